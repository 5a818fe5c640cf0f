"""Which lines of notes are outline points: a number in front ("2", "2.1", "3)") that is structure, not a date
("6 May 1997") nor the figure a wrapped sentence goes on with ("... the mean speed was" / "40.8 mph, but ...")."""

from __future__ import annotations

import re

from .dates import MONTH

NUMBER = re.compile(r"^\s{0,8}(\d{1,3}(?:\.\d{1,3})*)[.)]?\s+(?=\S)")
DATE = re.compile(rf"^\s*\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTH})\b")  # "6 May 1997", not "3 may have ..."
ENDS_SENTENCE = tuple(".!?:\"')]”’…")  # a line ending in one of these ends its sentence
WRAP_MIN = 30  # a line shorter than this is a title or a short point, not a line of wrapped prose
MAX_LINE = 2000  # a longer line is prose, whatever it starts with

Number = tuple[int, ...]


def rows(lines: list[str]) -> set[int]:
    """The indexes of the ``lines`` that are outline points."""
    numbered = {n: match for n, line in enumerate(lines) if (match := _candidate(line))}
    numbers = {n: tuple(int(part) for part in match.group(1).split(".")) for n, match in numbered.items()}
    everyone = set(numbers.values())
    return {
        n
        for n, match in numbered.items()
        if is_point(numbers[n], lines[n][match.end() :], lines[n - 1] if n else "", everyone - {numbers[n]})
    }


def is_point(number: Number, rest: str, above: str, others: set[Number]) -> bool:
    """Whether a line that starts with ``number`` (no date: ``_candidate``), then ``rest``, is an outline
    point: a line elsewhere goes on with its numbering (its parent, the point before or after it, its first
    sub-point: ``others``), or else it does not go on with a wrapped sentence: the line ``above`` is long and
    stops mid-sentence while ``rest`` starts in lower case or with a figure ("40.8 mph, but ..."; not "1
    Nationalism" under a long title)."""
    parent, before, after = number[:-1], number[:-1] + (number[-1] - 1,), number[:-1] + (number[-1] + 1,)
    if (parent and parent in others) or before in others or after in others or number + (1,) in others:
        return True
    return not (_runs_on(above) and not rest[:1].isupper())


def _candidate(line: str) -> re.Match[str] | None:
    """The number ``line`` starts with when it may be an outline point's: not a date ("6 May 1997 ...")."""
    match = NUMBER.match(line)
    return match if match and len(line) < MAX_LINE and not DATE.match(line) else None


def _runs_on(line: str) -> bool:
    """Whether ``line`` is a full line of prose that stops mid-sentence, so that the next goes on with it."""
    text = line.strip()
    return len(text) >= WRAP_MIN and not text.endswith(ENDS_SENTENCE) and not text.startswith("#")


__all__ = ["ENDS_SENTENCE", "NUMBER", "WRAP_MIN", "is_point", "rows"]
