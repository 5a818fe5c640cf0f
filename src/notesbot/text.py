"""The lexical analyzer shared by BM25 indexing, querying and answer scoring."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

TOKEN = re.compile(r"\w+", re.UNICODE)
# Lucene's English stop words plus the words that only shape a question.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
        "what",
        "why",
        "how",
        "when",
        "where",
        "who",
        "whom",
        "which",
        "did",
        "does",
        "do",
    ]
)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased word tokens without accents ("Müller" and "Muller" are one word), stop words kept."""
    return TOKEN.findall(fold(text.lower()))


def fold(text: str) -> str:
    """``text`` without the accents on its letters ("é" -> "e"); letters with no plain form stay ("ß")."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


ANALYZER_VERSION = 9  # stored in the index manifest (with the chunker's parameters): a new analyzer rebuilds
# number words read as digits, so "the Fourteen Points" finds "the 14 Points" and "the 2 leaders" "the two";
# not "one", which is as often a pronoun ("one plate slides under another")
NUMBERS = {
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "sixty": "60",
    "seventy": "70",
    "eighty": "80",
    "ninety": "90",
}


# an outline number at the start of a breadcrumb's label ("2.1.1 ...", "1 Intro > 1.2 ..."): structure, not
# content, so BM25 leaves it out ("three causes" must not find section 3 or point 1.3); the points of a chunk's
# own text are told by ``chunking.bm25_text``
NUMBERING = re.compile(r"(?m)(^|> )[ \t]{0,8}\d{1,3}(?:\.\d{1,3})*[.)]?[ \t]+")


def without_outline_numbers(labels: str) -> str:
    """A breadcrumb (``labels`` joined by " > ") without the outline numbers that start its labels."""
    return NUMBERING.sub(r"\1", labels)


TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
UNITS = "one|two|three|four|five|six|seven|eight|nine"
# "twenty-one", "Twenty One" and "twenty-" at a line's end before "one" are one number, 21, not "20 one"
COMPOUND = re.compile(rf"\b({TENS})[ \t]*(?:[-\u2010\u2013][ \t]*\n?|\n|[ \t])[ \t]*({UNITS})\b", re.IGNORECASE)
UNIT_VALUES = {w: str(n) for n, w in enumerate(UNITS.split("|"), 1)}


def merge_numbers(text: str) -> str:
    """``text`` with each compound number word ("twenty-one") written in digits ("21")."""
    return COMPOUND.sub(_compound, text)


def _compound(match: re.Match[str]) -> str:
    return str(int(NUMBERS[match.group(1).lower()]) + int(UNIT_VALUES[match.group(2).lower()]))


MONTHS = {
    "jan": "January",
    "feb": "February",
    "apr": "April",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "sept": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}
# a month's short form beside a number is the month ("Jan 59", "12 Dec"), not "Jan Smuts", "APR" or "Dec." for
# Declaration; "Mar" and "May" are left alone (verbs)
SHORT = "|".join(sorted(MONTHS, key=len, reverse=True))  # "sept" before "sep"
SHORT_MONTH = re.compile(
    rf"(?<![\w'’])({SHORT})\b(?=\.?[-,/'’]?\s*['’]?\d)|(\d\s+)({SHORT})\b(?![-'’]\w)", re.IGNORECASE
)


def whole_months(text: str) -> str:
    """``text`` with each short month name beside a number written in full ("Jan 59", "Jan-59", "12 Dec",
    "Aug\n1958"); not one in capitals ("APR 5" is a rate)."""
    return SHORT_MONTH.sub(_whole_month, text)


def _whole_month(match: re.Match[str]) -> str:
    before, short = (match[2], match[3]) if match[1] is None else ("", match[1])
    return before + (short if short.isupper() else MONTHS[short.lower()])


def terms(text: str) -> list[str]:
    """Stemmed, stop-word-free terms, number words as digits and short month names whole: what BM25 indexes
    and matches."""
    kept = [NUMBERS.get(w, w) for w in words(merge_numbers(whole_months(text))) if w not in STOPWORDS]
    return _stemmer().stemWords(kept) if kept else []


KIN_FROM = 5  # letters a stem needs before longer stems it starts count as forms of its word
KIN_ENDING = 2  # ... and letters at most that the longer adds ("economi", not "statement" for "state")


def kin(a: str, b: str) -> bool:
    """Whether two stems are forms of one word ("econom" and "economi", "america" and "american"): the
    shorter, of KIN_FROM letters or more and not a number, starts the longer, which adds at most KIN_ENDING."""
    short, long = sorted((a, b), key=len)
    return (
        len(short) >= KIN_FROM
        and len(long) - len(short) <= KIN_ENDING
        and long.startswith(short)
        and not short[0].isdigit()
    )


def line_starts(lines: list[str]) -> list[int]:
    """Where each of ``lines`` (a text split at "\\n") starts in the text."""
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    return starts


def content_hash(text: str) -> str:
    """A short stable hash of ``text``, the key of the embedding cache."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


__all__ = [
    "ANALYZER_VERSION",
    "NUMBERS",
    "STOPWORDS",
    "content_hash",
    "fold",
    "merge_numbers",
    "terms",
    "without_outline_numbers",
    "words",
]
