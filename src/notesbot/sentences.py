"""Split text into sentences: pysbd within each line, and run-on note lines at their hidden breaks."""

from __future__ import annotations

import re
from functools import lru_cache

OUTLINE_NUMBER = re.compile(r"^\s*\d{1,3}(?:\.\d{1,3})*[.)]?\s+(?=\S)")
# Capitalised function and linking words that start a new sentence when a student leaves out the full stop.
STARTERS = [
    "Also",
    "Still",
    "However",
    "Therefore",
    "Thus",
    "Hence",
    "Instead",
    "Initially",
    "Even",
    "Furthermore",
    "Moreover",
    "Equally",
    "Meanwhile",
    "Nevertheless",
    "Nonetheless",
    "Consequently",
    "Finally",
    "Eventually",
    "Firstly",
    "Secondly",
    "Additionally",
    "Similarly",
    "Likewise",
    "Otherwise",
    "Indeed",
    "Besides",
    "But",
    "And",
    "So",
    "Yet",
    "Then",
    "Although",
    "Though",
    "While",
    "Whereas",
    "Because",
    "Since",
    "As",
    "After",
    "Before",
    "During",
    "Despite",
    "In",
    "On",
    "At",
    "By",
    "For",
    "From",
    "With",
    "Without",
    "Under",
    "Over",
    "Into",
    "This",
    "That",
    "These",
    "Those",
    "It",
    "Its",
    "He",
    "His",
    "She",
    "Her",
    "They",
    "Their",
    "We",
    "Our",
    "There",
    "Here",
    "The",
    "A",
    "An",
    "If",
    "When",
    "Where",
    "Which",
    "Who",
    "Whose",
    "What",
    "Why",
    "How",
]
RUN_ON = re.compile(rf"(?<=[A-Za-z0-9%)\]’'])\s+(?=(?:{'|'.join(STARTERS)}),?\s+\S)")
# ... or at a capitalised past participle with a verb's ending ("... humiliate him Organised a photo ..."), which
# names nothing: between lower-case words only (not "the United States", "met Alfred and")
PARTICIPLE = re.compile(r"(?<=\b[a-z])([a-z]*)\s+(?=[A-Z][a-z]{2,}(?:is|iz|at|en|er|t)ed\s+[a-z])")
MIN_WORDS = 3
ENDS_SENTENCE = tuple(".!?:\"')]")  # a line ending in one of these ends its sentence


@lru_cache(maxsize=1)
def _segmenter():  # type: ignore[no-untyped-def]
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def split(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``: every line is at least one sentence, and the outline
    number in front of a line is left out. A span crosses a line break only where a sentence does: the
    line stops without a full stop and the next one, after at most one blank line, goes on in lower case
    (prose wrapped by hand, or a paragraph broken mid-sentence by a page break)."""
    spans: list[tuple[int, int]] = []
    offset, last_line = 0, -1
    for number, line in enumerate(text.split("\n")):
        found = [(offset + a, offset + b) for a, b in _line_pieces(line)]
        if found and spans and number - last_line <= 2 and _goes_on(text, spans[-1], found[0]):
            spans[-1] = (spans[-1][0], found.pop(0)[1])
        spans.extend(_merge_short(text, found))
        if line.strip():
            last_line = number
        offset += len(line) + 1
    return spans


def _goes_on(text: str, before: tuple[int, int], after: tuple[int, int]) -> bool:
    """Whether ``after``, the first sentence of its line, finishes ``before``, the last of an earlier line."""
    line_start = text.rfind("\n", 0, before[0]) + 1
    return (
        text[after[0]].islower()
        and not text[line_start : before[1]].lstrip().startswith("#")
        and not text[: before[1]].endswith(ENDS_SENTENCE)
        and not text[before[1] : after[0]].strip()
    )


def _line_pieces(line: str) -> list[tuple[int, int]]:
    """The sentences of one line, stripped, before short ones are merged."""
    if not line.strip():
        return []
    number = OUTLINE_NUMBER.match(line)
    start = number.end() if number else 0
    pieces: list[tuple[int, int]] = []
    for part in _segmenter().segment(line[start:]):
        a, b = start + part.start, start + part.end
        pieces.extend(_run_on(line, a, b))
    return [_strip(line, a, b) for a, b in pieces if line[a:b].strip()]


def _run_on(line: str, a: int, b: int) -> list[tuple[int, int]]:
    inner = [m.start() for m in RUN_ON.finditer(line[a:b])] + [m.end(1) for m in PARTICIPLE.finditer(line[a:b])]
    cuts = [a] + [a + c for c in sorted(set(inner))] + [b]
    return [(x, y) for x, y in zip(cuts, cuts[1:]) if line[x:y].strip()]


def _strip(line: str, a: int, b: int) -> tuple[int, int]:
    piece = line[a:b]
    return a + len(piece) - len(piece.lstrip()), b - len(piece) + len(piece.rstrip())


def _merge_short(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join pieces of one line of ``text`` with fewer than MIN_WORDS words to the next piece (the last one
    to the previous)."""
    merged: list[tuple[int, int]] = []
    pending: int | None = None
    for a, b in spans:
        start = a if pending is None else pending
        if len(text[start:b].split()) < MIN_WORDS:
            pending = start
            continue
        merged.append((start, b))
        pending = None
    if pending is not None:
        if merged:
            merged[-1] = (merged[-1][0], spans[-1][1])
        else:
            merged.append((pending, spans[-1][1]))
    return merged


__all__ = ["split"]
