"""The years a question asks about and the years a passage speaks of, to tell when the two cannot match.

Notes run in time order and questions often name a time ("in 1958", "between 1954 and 1957", "the mid-1950s").
A passage whose years all fall outside the question's is about another moment, however alike the words. Notes
also write years short ("During 58", "Jan 59", "1954-57"): a two-digit year after a month or a preposition is
read in the question's century, when near the question's years.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OPEN = 10_000  # an open end of a span ("by 1958" runs from any year up to 1958)

MONTH = (
    r"Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|"
    r"Nov(?:ember)?|Dec(?:ember)?"
)
YEAR = r"(1[0-9]{3}|20[0-9]{2})"
# "1954-57", "1958-9", "1958/59", "1954–1957", "1954 to 1957", "between 1954 and 1957", "from 1954 until 1957"
RANGE = re.compile(rf"\b{YEAR}\s*(?:--?|–|—|−|/|&|to|until|till|through|and)\s*(\d{{4}}|\d{{1,2}})\b(?!'?s)")
DECADE = re.compile(r"\b(?:(early|mid|late)[\s-]+)?(1[0-9]{2}|20[0-9])0'?s\b", re.IGNORECASE)
BOUND = re.compile(
    rf"\b(by|before|until|till|up to|after|since)\s+(?:the\s+)?(?:end of\s+(?:the\s+)?)?{YEAR}(?!'?s)\b", re.IGNORECASE
)
# a year, also closing a date ("12.3.1958", "3/12/1958"), but not a fraction or decimal ("1/2000", "0.1958", "2000.5")
SINGLE = re.compile(rf"(?:(?<=\d[./]\d[./])|(?<=\d[./]\d\d[./])|(?<!\d[./]))\b{YEAR}\b(?!'?s)(?!\.\d)")
# a two-digit year: after a month ("Jan 59"; a number up to 31 there is a day) or a preposition ("During 58",
# "end of 58"), ending a phrase (not "15.5%", "30-40%", "12-month")
SHORT = re.compile(
    rf"\b(?:({MONTH})|in|during|of|by|since|until)\s+(')?([0-9]{{2}})\b"
    r"(?=\s*$|[,;:)]|\.(?!\d)|\s+[-–—]\s|\s*[-–—](?![\s\d]*\w))",
    re.IGNORECASE,
)
# a question's years written short, read near the notes' years (``expand_short``): "the late 50s", "the '60s",
# "'58", "in 58?", "by 58", "Jan 59", "from 54 to 57"; not "aged 60-70", "in 85-90 of cases", "in 10 minutes",
# "in their 50s"
SHORT_DECADES = re.compile(
    r"\bthe\s+(?:(?:early|mid|late)[\s-]+)?['’]?[0-9]0['’]?s\b(?:\s*(?:and|or|to|-|–)\s*(?:the\s+)?"
    r"(?:(?:early|mid|late)[\s-]+)?['’]?[0-9]0['’]?s\b)?(?!\s*(?:degrees|°|%))",
    re.IGNORECASE,
)
DECADE_DIGITS = re.compile(r"['’]?([0-9])0['’]?s\b")
AFTER_SHORT = r"(?=\s*(?:[?!.,;:)]|$)|\s+(?:and|or|but|when|while|what|why|how|who|did|was|were|is|are)\b)"
SHORT_RANGE = re.compile(
    rf"\b(in|during|from|between|over|throughout)\s+([0-9]{{2}})\s*(-|–|to|until|till|and)\s*([0-9]{{2}})\b{AFTER_SHORT}",
    re.IGNORECASE,
)
SHORT_SINGLE = re.compile(
    rf"\b(in|during|by|before|after|since|until|till|from|end of|{MONTH})\s+([0-9]{{2}})\b{AFTER_SHORT}",
    re.IGNORECASE,
)
APOSTROPHE_YEAR = re.compile(r"(?<![\w'’])['’]([0-9]{2})\b(?!['’]?s\b)")
SPAN_SLACK = 5  # a passage naming a stretch of years this much longer than the one asked about is not about it
BOUND_REACH = 10  # "by 1958", "up to 1957": the years asked about, for in_time
SHORT_WINDOW = 25  # a two-digit year counts only this near the question's years (not "6 of 20." as 1920)
DECADE_PARTS = {"early": (0, 4), "mid": (3, 7), "late": (5, 9), None: (0, 9)}


@dataclass(frozen=True)
class Span:
    """Years from ``first`` to ``last``, inclusive."""

    first: int
    last: int

    def overlaps(self, other: Span) -> bool:
        return self.first <= other.last and other.first <= self.last


def question_span(question: str, reference: int | None = None) -> Span | None:
    """The stretch of years a question asks about (from its first to its last named year), or None. Given the
    year the notes centre on (``reference_year``), years the question writes short count too (``expand_short``)."""
    question = expand_short(question, reference) if reference is not None else question
    ranges = [m.span() for m in RANGE.finditer(question)]
    # "from 1954 until 1957" is the range, not a bound
    bounds = [m for m in BOUND.finditer(question) if not any(a <= m.start() < b for a, b in ranges)]
    rest = question
    for match in bounds:  # the bound's own year is read with the bound, not as a year of its own
        rest = rest[: match.start()] + " " * len(match.group(0)) + rest[match.end() :]
    spans = spans_in(rest)
    for match in bounds:
        year, word = int(match.group(2)), match.group(1).lower()
        # "before 1958" leaves 1958 out, "by 1958" and "before the 1958 crisis" keep it; "after" likewise
        strict = len(match.group(0).split()) == 2 and word in ("before", "after")
        if word in ("after", "since"):
            spans.append(Span(year + strict, OPEN))
        else:
            spans.append(Span(-OPEN, year - strict))
    if not spans:
        return None
    return Span(min(s.first for s in spans), max(s.last for s in spans))


def spans_in(text: str, near: Span | None = None) -> list[Span]:
    """The years and ranges of years that ``text`` names; two-digit years only when ``near`` is given, read
    in its century and kept when within SHORT_WINDOW years of it."""
    spans, taken = [], []
    for match in RANGE.finditer(text):
        first, end = int(match.group(1)), match.group(2)
        last = int(match.group(1)[: 4 - len(end)] + end)
        if last >= first:
            spans.append(Span(first, last))
            taken.append(match.span())
    for match in DECADE.finditer(text):
        low, high = DECADE_PARTS[match.group(1).lower() if match.group(1) else None]
        decade = int(match.group(2)) * 10
        spans.append(Span(decade + low, decade + high))
        taken.append(match.span())
    for match in SINGLE.finditer(text):
        if not any(a <= match.start() < b for a, b in taken):
            spans.append(Span(int(match.group(1)), int(match.group(1))))
    if near is not None:
        spans.extend(_short_years(text, near))
    return spans


def reference_year(texts: list[str]) -> int | None:
    """The middle (median) of the years that ``texts`` name, or None when they name none: where a year
    written short is read ("58" near 1954 is 1958, "98" near 2010 is 1998)."""
    years = sorted(span.first for text in texts for span in spans_in(text))
    return years[len(years) // 2] if years else None


def expand_short(question: str, reference: int) -> str:
    """``question`` with the years it writes short written whole, each the year of those digits nearest
    ``reference``: "the late 50s" -> "the late 1950s", "'58" and "in 58?" -> "1958", "from 54 to 57" -> "from
    1954 to 1957". Only beside a word of time: "aged 60-70" and "in 10 minutes" stay as they are."""

    def whole(digits: str) -> str:
        base = reference // 100 * 100 + int(digits)
        return str(min((base - 100, base, base + 100), key=lambda year: abs(year - reference)))

    def decades(match: re.Match[str]) -> str:
        return DECADE_DIGITS.sub(lambda m: whole(m.group(1) + "0") + "s", match.group(0))

    def single(match: re.Match[str]) -> str:
        word, digits = match.group(1), match.group(2)
        if re.fullmatch(MONTH, word, re.IGNORECASE) and int(digits) <= 31:
            return match.group(0)  # "Aug 23" is a day
        return f"{word} {whole(digits)}"

    question = SHORT_DECADES.sub(decades, question)
    question = SHORT_RANGE.sub(lambda m: f"{m.group(1)} {whole(m.group(2))} {m.group(3)} {whole(m.group(4))}", question)
    question = SHORT_SINGLE.sub(single, question)
    return APOSTROPHE_YEAR.sub(lambda m: whole(m.group(1)), question)


def _short_years(text: str, near: Span) -> list[Span]:
    anchor = near.first if near.first > -OPEN else near.last
    century = anchor // 100 * 100
    out = []
    for match in SHORT.finditer(text):
        month, apostrophe, digits = match.groups()
        if month and not apostrophe and int(digits) <= 31:
            continue  # "Aug 23" is a day
        year = Span(century + int(digits), century + int(digits))
        if Span(near.first - SHORT_WINDOW, near.last + SHORT_WINDOW).overlaps(year):
            out.append(year)
    return out


def in_time(asked: Span, text: str) -> bool:
    """True when ``text`` names a year, or a stretch of years no more than SPAN_SLACK longer than the ``asked``
    span, that meets it ("1954-57" for 1956, not "The Cold War 1945-62" for 1961). A span open to the past is
    read as the BOUND_REACH years up to its bound ("up to 1957": 1947-57); one open to the present ("since
    1949", "after 1979") runs over too much to tell a time by."""
    if asked.last == OPEN:
        return False
    if asked.first == -OPEN:
        asked = Span(asked.last - BOUND_REACH, asked.last)
    width = asked.last - asked.first + SPAN_SLACK
    return any(s.overlaps(asked) and s.last - s.first <= width for s in spans_in(text, asked))


def out_of_time(asked: Span, text: str) -> bool:
    """True when ``text`` names years and none of them falls in the ``asked`` span."""
    spans = spans_in(text, asked)
    return bool(spans) and not any(s.overlaps(asked) for s in spans)


__all__ = ["Span", "expand_short", "in_time", "out_of_time", "question_span", "reference_year", "spans_in"]
