"""Which lines of notes are outline points: a number in front ("2", "2.1", "3)") that is structure, not a date
("6 May 1997") nor the figure a wrapped sentence goes on with ("... the mean speed was" / "40.8 mph, but ...")."""

from __future__ import annotations

import re
from collections import Counter

from .dates import MONTH

NUMBER = re.compile(r"^\s{0,8}(\d{1,3}(?:\.\d{1,3})*)[.)]?\s+(?=\S)")
# a day, its month and a year (or nothing more): "6 May 1997", "24 Feb '22:", "8 june 1989"; not "3 March on
# Rome" (a heading) nor "3 may have ..."
DATE = re.compile(
    rf"^\s*\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTH})\.?(?:,?\s+(?:\d{{2}}|\d{{4}}|'\d{{2}})\b|\s*[:–-]?\s*$)",
    re.IGNORECASE,
)
ENDS_SENTENCE = tuple(".!?:\"')]”’…")  # a line ending in one of these ends its sentence
WRAP_MIN = 30  # a line shorter than this is a title or a short point, not a line of wrapped prose
MAX_LINE = 2000  # a longer line is prose, whatever it starts with

Number = tuple[int, ...]


def rows(lines: list[str]) -> set[int]:
    """The indexes of the ``lines`` that are outline points, in one pass from the top."""
    numbered = {n: match for n, line in enumerate(lines) if (match := _candidate(line))}
    numbers = {n: tuple(int(part) for part in match.group(1).split(".")) for n, match in numbered.items()}
    above: set[Number] = set()
    below = Counter(numbers.values())  # the numbers of the lines after the one looked at (and it)
    found = set()
    for n, match in numbered.items():
        below[numbers[n]] -= 1
        if is_point(numbers[n], lines[n][match.end() :], lines[n - 1] if n else "", above, below):
            found.add(n)
        above.add(numbers[n])
    return found


def is_point(number: Number, rest: str, line_above: str, above: set[Number], below: Counter[Number]) -> bool:
    """Whether a line that starts with ``number`` (no date: ``_candidate``), then ``rest``, is an outline
    point: the numbering goes on around it (its parent or the point before it among the numbers ``above``,
    the point after it or its first sub-point ``below``), or else it does not go on with a wrapped sentence:
    ``line_above`` is long and stops mid-sentence while ``rest`` starts in lower case or with a figure ("40.8
    mph, but ..."; not "1 Nationalism" under a long title)."""
    parent, before, after = number[:-1], number[:-1] + (number[-1] - 1,), number[:-1] + (number[-1] + 1,)
    if (parent and parent in above) or before in above or below[after] > 0 or below[number + (1,)] > 0:
        return True
    return not (_runs_on(line_above) and not rest[:1].isupper())


def _candidate(line: str) -> re.Match[str] | None:
    """The number ``line`` starts with when it may be an outline point's: not a date ("6 May 1997 ...")."""
    match = NUMBER.match(line)
    return match if match and len(line) < MAX_LINE and not DATE.match(line) else None


def _runs_on(line: str) -> bool:
    """Whether ``line`` is a full line of prose that stops mid-sentence, so that the next goes on with it."""
    text = line.strip()
    return len(text) >= WRAP_MIN and not text.endswith(ENDS_SENTENCE) and not text.startswith("#")


__all__ = ["ENDS_SENTENCE", "NUMBER", "WRAP_MIN", "is_point", "rows"]
