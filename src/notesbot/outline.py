"""Which lines of notes are outline points: a number in front ("2", "2.1", "3)") that is structure, not a date
("6 May 1997") nor the figure a wrapped sentence goes on with ("... the mean speed was" / "40.8 mph, but ...")."""

from __future__ import annotations

import re

from .dates import MONTH

NUMBER = re.compile(r"^\s{0,8}(\d{1,3}(?:\.\d{1,3})*)[.)]?\s+(?=\S)")
DATE = re.compile(rf"^\s*\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTH})\b", re.IGNORECASE)
ENDS_SENTENCE = tuple(".!?:\"')]”’…")  # a line ending in one of these ends its sentence
WRAP_MIN = 30  # a line shorter than this is a title or a short point, not a line of wrapped prose
MAX_LINE = 2000  # a longer line is prose, whatever it starts with

Number = tuple[int, ...]


def rows(lines: list[str]) -> set[int]:
    """The indexes of the ``lines`` that are outline points, found in one pass from the top."""
    seen: set[Number] = set()
    found: set[int] = set()
    previous = ""  # the line above when it is prose: "" when it is blank or an outline point
    for n, line in enumerate(lines):
        match = NUMBER.match(line)
        if match and len(line) < MAX_LINE:
            number = tuple(int(part) for part in match.group(1).split("."))
            if is_point(number, line[match.end() :], line, previous, seen):
                found.add(n)
                seen.update(number[:depth] for depth in range(1, len(number) + 1))
        previous = line if line.strip() and n not in found else ""
    return found


def is_point(number: Number, rest: str, line: str, previous: str, seen: set[Number]) -> bool:
    """Whether ``line``, starting with ``number`` then ``rest``, is an outline point: it goes on with the
    numbering above (its parent or the point before it is there, "2.2" after "2.1"), or else it is no date and
    does not go on with a wrapped sentence: ``previous``, the line of prose above, is long and stops
    mid-sentence, and ``rest`` starts in lower case or with a figure ("40.8 mph, but ..."; not "1 Nationalism"
    under a long title, nor any line under another point)."""
    parent, before = number[:-1], number[:-1] + (number[-1] - 1,)
    if (parent and parent in seen) or before in seen:
        return True
    if DATE.match(line):
        return False
    return not (_runs_on(previous) and not rest[:1].isupper())


def _runs_on(line: str) -> bool:
    """Whether ``line`` is a full line of prose that stops mid-sentence, so that the next goes on with it."""
    text = line.strip()
    return len(text) >= WRAP_MIN and not text.endswith(ENDS_SENTENCE) and not text.startswith("#")


__all__ = ["ENDS_SENTENCE", "NUMBER", "WRAP_MIN", "is_point", "rows"]
