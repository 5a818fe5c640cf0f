"""Split text into sentences: pysbd within each line, and run-on note lines at their hidden breaks."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import groupby

from . import outline
from .outline import ENDS_SENTENCE, WRAP_MIN
from .text import line_starts

# a list item's bullet or letter, which no sentence of the item holds ("- Occurs in the stroma", "b) ...")
# ("a. " and "iv. " only before a word in lower case: "c. 1950", "d. 1976" and "v. Wade" are no list items)
BULLET = re.compile(
    r"^\s*(?:[-*•+]\s+(?=[\w'‘\"“(])|(?:[a-z]|[ivx]{1,4})\)\s+(?=\S)|(?:[a-z]|[ivx]{1,4})\.\s+(?=[a-z]))"
)
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
# a list item or flashcard side, not a continuation: "a) ...", "ii. ...", "- ...", "* ...", "> ...", a table row,
# "Q: ...", "A: ..."
LIST_MARKER = re.compile(r"^\s*(?:(?:[a-z]|[ivx]{1,4})[.)]\s|[-*•+>|]|(?:Q|A|Question|Answer)\s*:\s)")
# words no sentence ends on: a line ending on one goes on below ("... as shown by" / "Baddeley in 1966.")
HANGING = frozenset(
    (  # noqa: SIM905
        "a an the of to in on at by for from with into onto as and or nor but than that which whose whom who "
        "because while whereas if is are was were be been has have had its their his her our your my"
    ).split()
)
# a word cut short with a full stop: capitalised and short ("Brit.", "Govt.", "Dec."), or a known short form
SHORT_FORMS = (  # noqa: SIM905
    "govt govts gov dept approx esp incl est etc cf vs ca c viz resp prob poss usu sig max min avg diff econ pol "
    "soc imp mil orig cont nat natl intl pop agric ind yr yrs wk opp ref nb ie eg int dom rev sec cons dev"
).split()
SHORTENED = re.compile(rf"(?:^|[\s(])(?:[A-Z][a-z]{{1,4}}|e\.g|i\.e|{'|'.join(SHORT_FORMS)})\.$")
CIRCA = re.compile(r"(?:^|\s)(?:c|ca|circa|approx)\.$", re.IGNORECASE)  # before a year: "c. 1900"
PAGE = re.compile(r"(?:^|\s)(?:p|pp|vol|fig)\.$", re.IGNORECASE)  # before a number on the same line: "p. 45"
CLOSING = ")]\"'”’"  # closing brackets and quotes, which end a sentence only after its full stop
EVEN_WRAP = 0.75  # every line but the last at least this share of the longest: a paragraph wrapped by hand
Piece = tuple[int, int, int]  # a sentence's start and end in the text, and its line's number


@lru_cache(maxsize=1)
def _segmenter():  # type: ignore[no-untyped-def]
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def split(text: str, points: set[int] | None = None, indent: int = 0) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``, in order, the outline number in front of a line left
    out: of the lines in ``points`` (indexes), by default those ``outline.rows`` finds in ``text`` itself. A
    span crosses a line break only where a sentence runs on over it (``_runs_on``); otherwise every line is at
    least one sentence. ``text`` starts ``indent`` characters into its first line (a piece of a longer text)."""
    lines = text.split("\n")
    starts = line_starts(lines)
    points = outline.rows(lines) if points is None else points
    widths = [len(line.rstrip()) for line in lines]
    widths[0] += indent
    units: list[list[Piece]] = []
    for n, line in enumerate(lines):
        pieces = [(starts[n] + a, starts[n] + b, n) for a, b in _line_pieces(line, n in points)]
        # the first sentence of a line may go on from the last unit, whose last piece ended its own line
        if pieces and units and _runs_on(lines, widths, units[-1][-1][2], n, points):
            units[-1].append(pieces.pop(0))
        units.extend([piece] for piece in pieces)
    whole = [part for unit in units for part in _finished(text, unit)]
    spans: list[tuple[int, int]] = []
    # short sentences merge within the line they end on; units come in order, so a line's units are adjacent
    for _, same_line in groupby(whole, key=lambda unit: unit[-1][2]):
        spans.extend(_merge_short(text, [(unit[0][0], unit[-1][1]) for unit in same_line]))
    return spans


def _runs_on(lines: list[str], widths: list[int], row: int, next_row: int, points: set[int]) -> bool:
    """Whether the first sentence of line ``next_row`` goes on from the last of line ``row`` above it, at most
    one blank line apart, when neither is a heading, point or list item: the line ends where no sentence can
    (on "by", "the", "and": ``HANGING``; or on an abbreviation's full stop, "Bahrick et al." / "(1975) ..."),
    or it is a full line of prose (the next word would not have fitted: wrapped by hand, or a paragraph
    broken by a blank line) that does not end its sentence, and the next line goes on in lower case, or with
    a capital in prose wrapped at an even width (the line above is full too, or the whole paragraph is)."""
    line, below = lines[row], lines[next_row]
    if not 1 <= next_row - row <= 2 or LIST_MARKER.match(below) or next_row in points:
        return False
    if line.lstrip().startswith("#") or widths[row] - (len(line) - len(line.lstrip())) < WRAP_MIN:
        return False
    if _ends_sentence(line, below):
        return False
    if line.rstrip().endswith(".") or line.split()[-1] in HANGING:  # an abbreviation's full stop, "by", "the"
        return True
    first, last = _block(lines, row)
    width = max(widths[first : last + 1])
    if widths[row] + 1 + len(below.split()[0]) <= width:
        return False
    full = [w >= EVEN_WRAP * width for w in widths[first : last + 1]]
    even = (last > first + 1 and all(full[:-1])) or (row > first and full[row - first - 1])
    return below.lstrip()[:1].islower() or (even and next_row == row + 1)  # a capital after a blank line: new


def _ends_sentence(line: str, below: str) -> bool:
    """Whether ``line`` ends its sentence: it ends in a full stop or the like (before any closing brackets
    and quotes: "(1975)" ends nothing), and a full stop there is no abbreviation's ("Bahrick et al." /
    "(1975) tested ...": pysbd reads the two lines' words across it)."""
    bare = line.rstrip().rstrip(CLOSING)
    if not bare.endswith(ENDS_SENTENCE):
        return False
    if CIRCA.search(bare) and below.lstrip()[:1].isdigit():  # "... built for Khufu c." / "2560 BC"
        return False
    if not bare.endswith(".") or len(bare.split()[-1]) <= 2:  # "... 10^16 J." is a unit or an initial: it ends
        return True
    across = " ".join(line.split()[-3:] + below.split()[:3])
    return len(_segmenter().segment(across)) > 1


def _block(lines: list[str], row: int) -> tuple[int, int]:
    """The first and last line of the paragraph (run of non-blank lines) that holds line ``row``."""
    first, last = row, row
    while first > 0 and lines[first - 1].strip():
        first -= 1
    while last + 1 < len(lines) and lines[last + 1].strip():
        last += 1
    return first, last


def _finished(text: str, unit: list[Piece]) -> list[list[Piece]]:
    """``unit`` whole when it ends a sentence; otherwise its pieces one by one: lines that only look wrapped,
    such as notes in lower case without full stops, stay separate points."""
    if len(unit) == 1 or text[: unit[-1][1]].endswith(ENDS_SENTENCE):
        return [unit]
    return [[piece] for piece in unit]


def _line_pieces(line: str, point: bool) -> list[tuple[int, int]]:
    """The sentences of one line, stripped, before short ones are merged; an outline ``point`` without its
    number."""
    if not line.strip():
        return []
    marker = (outline.NUMBER.match(line) if point else None) or BULLET.match(line)
    start = marker.end() if marker else 0
    pieces: list[tuple[int, int]] = []
    for a, b in _rejoined(line, [(start + p.start, start + p.end) for p in _segmenter().segment(line[start:])]):
        pieces.extend(_run_on(line, a, b))
    return [_strip(line, a, b) for a, b in pieces if line[a:b].strip()]


def _rejoined(line: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """pysbd's sentences of ``line``, with a cut after an abbreviation it does not know taken back: a short
    capitalised word or a known short form before a word in lower case ("Brit. declares war"; not "took over.
    he denounced" in notes written in lower case), or circa or a page before a number ("c. 1900", "p. 45")."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        head = line[a:b].lstrip()
        tail = line[out[-1][0] : out[-1][1]].rstrip() if out else ""
        numbered = (CIRCA.search(tail) or PAGE.search(tail)) and head[:1].isdigit()
        if (SHORTENED.search(tail) and head[:1].islower()) or numbered:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _run_on(line: str, a: int, b: int) -> list[tuple[int, int]]:
    """``line[a:b]`` cut where a sentence without its full stop ends: before a word that starts one ("... the
    2 Also agreed ..."), not after a word no sentence ends on ("reports in The Times")."""
    piece = line[a:b]
    starts = [m.start() for m in RUN_ON.finditer(piece) if piece[: m.start()].split()[-1] not in HANGING]
    inner = starts + [m.end(1) for m in PARTICIPLE.finditer(piece)]
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
