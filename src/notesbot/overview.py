"""Questions that name whole notes: "What does the essay say about Stalin?" is asked of the essay, and "What
is the essay about?" is answered with its section headings, or the opening (or, for its conclusion, the close)
of its prose."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePosixPath

from .chunking import LEAF, Node, is_prompt, is_title, parse
from .text import line_starts, terms
from .types import Chunk

# what asks how a note ends: "what does the essay conclude?", "how does the essay end?"
CONCLUSION = r"conclu(?:de[sd]?|sions?)|end(?:s|ing)?"
# what asks for an overview: "what is X about", "summarise", "sum up", "main points", "what does X argue"
OVERVIEW = re.compile(
    rf"\b(?:about|summar(?:y|ies|ise|ize)|sum (?:it )?up|overview|gist|(?:main|key) (?:points?|ideas?|arguments?|"
    rf"topics?|themes?)|topics?|cover(?:s|ed)?|argue[sd]?|arguments?|thesis|structure|sections?|{CONCLUSION})\b",
    re.IGNORECASE,
)
ENDING = re.compile(rf"\b(?:{CONCLUSION})\b", re.IGNORECASE)
ARGUMENT = re.compile(r"\b(?:argue[sd]?|arguments?|thesis|main points?)\b", re.IGNORECASE)  # read in its opening
# ... and the words such a question may use besides the note's name: nothing it names inside the note
OVERVIEW_WORDS = frozenset(
    terms(
        "about summary summaries summarise summarize sum up overview gist main key point points idea ideas topic "
        "topics theme themes cover covers covered argue argues argued argument arguments thesis structure section "
        "sections conclude concludes concluded conclusion conclusions end ends ending overall whole mostly say says "
        "said tell give explain describe briefly quick quickly please my our your s this these those what which "
        "me us i you can could would"
    )
)
# a kind of note, which names every note unless a note's name holds it ...
ANY_NOTE = frozenset(terms("note notes file files document documents"))
# ... and kinds a question names to ask some notes: "according to the essay", "in my lecture notes" (not
# "outline" or "article", which questions use as a verb and a noun: "Outline the causes", "Article 231")
KINDS = frozenset(terms("essay essays lecture lectures handout handouts chapter chapters flashcards"))
# a section that concludes a note, and sections that only list its sources
CONCLUDING = re.compile(r"^\W*(?:\d[\d.]*\s+)?(?:conclusions?|in conclusion|summary|final thoughts)\b", re.IGNORECASE)
SOURCES = re.compile(r"^\W*(?:\d[\d.]*\s+)?(?:references|bibliography|sources|works cited|further reading)\b", re.I)
# a question's frame when it names the notes: "What do my notes say about RuBisCO?" asks about RuBisCO
FRAME = re.compile(
    r"^\W*(?:what|anything)\s+(?:do|does|did|can|could|will)\s+(?:my|the|our|your|this|these|those)\s+"
    r"(?-i:(?:[a-z][\w'’-]*\s+){0,3}?)(?:notes?|essays?|lectures?|handouts?|chapters?|files?|documents?|sheets?)\s+"
    r"(?:say|tell me|tell us|mention|have|cover|said)\s+(?:about|on|regarding|of|for)\s+(?=\w)",
    re.IGNORECASE,
)
BYLINE_WORDS = 12  # a line of at most this many words without a full stop, alone, is a title or byline
MIN_HEADINGS = 2  # a note is summed up by its headings when it has at least this many at one level
MAX_POINTS = 8  # headings listed at most, over all the notes asked about


@dataclass(frozen=True)
class Point:
    """A sentence (or a heading's words) of a note's overview: ``chunk`` indexes the note's chunks."""

    chunk: int
    start: int
    end: int


def concerns_notes(question: str) -> bool:
    """Whether ``question`` names notes as notes ("the essay", "my notes"): only then may it ask about whole
    notes (``asked``) or some of them (``named``)."""
    return bool(set(terms(question)) & (KINDS | ANY_NOTE))


def name(source: str, title: str | None) -> str:
    """A note's name as a question may give it: the words of its path ("lectures/week-3.md") and its title."""
    return " ".join([re.sub(r"[-_./\\]+", " ", str(PurePosixPath(source).with_suffix(""))), title or ""]).strip()


def asked(question: str, names: dict[str, str]) -> list[str] | None:
    """The notes ``question`` asks for an overview of ("What is the essay about?", "Summarise my notes"), in
    ``names`` order (a note's path -> ``name``); None when it asks about something inside the notes ("What
    does the essay say about Stalin?", "What is the structure of DNA?") or names no note."""
    if not OVERVIEW.search(question) or not concerns_notes(question) or FRAME.search(question):
        return None  # "What do my notes say about the structure of the Earth?" asks about the Earth
    own = set(terms(question)) - OVERVIEW_WORDS
    called = {source: set(terms(text)) for source, text in names.items()}
    if not own or not own <= ANY_NOTE | {t for words in called.values() for t in words}:
        return None
    chosen = [source for source, words in called.items() if own - ANY_NOTE <= words]
    return chosen or None


def named(question: str, names: dict[str, str]) -> list[str] | None:
    """The notes whose names (``asked``) hold a kind of note the question names ("the essay", "my lecture"),
    when that is some of them but not all; else None (the question is asked of every note)."""
    kinds = set(terms(question)) & KINDS
    chosen = [source for source, text in names.items() if kinds & set(terms(text))]
    return chosen if chosen and len(chosen) < len(names) else None


def topic(question: str) -> str:
    """What a question that names the notes asks about: "What do my notes say about RuBisCO?" -> "RuBisCO?"
    (the frame's words are no part of the answer's evidence); other questions as they are."""
    rest = FRAME.sub("", question)
    return rest if rest.strip(" ?.!") else question


def wanted(question: str) -> str:
    """What of a note an overview question asks for: its "ending", its "argument" (in its opening paragraph),
    or its "outline" (its headings, or its opening paragraph when it has none)."""
    return "ending" if ENDING.search(question) else "argument" if ARGUMENT.search(question) else "outline"


def points(lines: list[str], chunks: list[Chunk], want: str, most: int = MAX_POINTS) -> tuple[str, list[Point]]:
    """The overview of one note (its ``lines``, and its ``chunks`` in file order) that ``wanted`` asks for, and
    what it is: its section headings at the first level that has two or more (at most ``most``, not a list of
    sources); or the first and last sentences of its first paragraph that tells; or, for its ending, of its
    concluding section or its last paragraph that tells before any list of sources."""
    tree = parse(lines)
    heads = [n for n in _sections(tree) if not SOURCES.match(n.label or "")]
    said = _by_line(chunks)
    if want == "ending":
        closing = _closing(tree, heads, lines, said)
        return ("closing paragraph", _ends(closing, said)) if closing else ("", [])
    if want == "outline" and len(heads) >= MIN_HEADINGS:
        found = (_heading_point(lines, chunks, n.first + 1) for n in heads[:most])
        return "section headings", list(dict.fromkeys(p for p in found if p is not None))
    opening = _first_telling(_before_sources(_leaves(tree), lines), lines, said)
    return ("opening paragraph", _ends(opening, said)) if opening else ("", [])


def _closing(tree: Node, heads: list[Node], lines: list[str], said: dict[int, list[tuple[Point, str]]]) -> Node | None:
    """The paragraph a note concludes with: the first of its "Conclusion" section, or its last paragraph that
    tells, outside any "References" section and before a "References" line."""
    concluding = next((n for n in reversed(heads) if CONCLUDING.match(n.label or "")), None)
    if concluding is not None:
        found = _first_telling(_leaves(concluding), lines, said)
        if found is not None:
            return found
    kept = [leaf for n in heads for leaf in _leaves(n)] if heads else _leaves(tree)
    return _first_telling(list(reversed(_before_sources(kept, lines))), lines, said)


def _before_sources(paragraphs: list[Node], lines: list[str]) -> list[Node]:
    """``paragraphs`` up to one that opens a list of sources ("References", "Bibliography")."""
    end = next((i for i, n in enumerate(paragraphs) if SOURCES.match(lines[n.first])), len(paragraphs))
    return paragraphs[:end]


def _sections(tree: Node) -> list[Node]:
    """The first level of headings with two or more, below any single title ("# Respiration" / "## ...")."""
    heads = [n for n in tree.children if n.label is not None]
    while len(heads) == 1:
        heads = [n for n in heads[0].children if n.label is not None]
    return heads


def _leaves(node: Node) -> list[Node]:
    """The paragraphs under ``node``, in file order."""
    return [leaf for child in node.children for leaf in ([child] if child.depth == LEAF else _leaves(child))]


def _by_line(chunks: list[Chunk]) -> dict[int, list[tuple[Point, str]]]:
    """The sentences of ``chunks``, with their text, by the (1-based) line each starts on, in order."""
    found: dict[int, list[tuple[Point, str]]] = defaultdict(list)
    for i, chunk in enumerate(chunks):
        for a, b in chunk.sentences:
            found[chunk.line_at(a)].append((Point(i, a, b), chunk.text[a:b]))
    return found


def _first_telling(paragraphs: list[Node], lines: list[str], said: dict[int, list[tuple[Point, str]]]) -> Node | None:
    """The first of ``paragraphs`` that says something: not a title or byline ("Jason Gordon 19 March 2023",
    "Priya Sharma, History coursework, 3 March 2024") and not only questions and instructions."""
    for paragraph in paragraphs:
        rows = [lines[i].strip() for i in range(paragraph.first, paragraph.last + 1) if lines[i].strip()]
        if all(is_title(row, 0) or _byline(row) for row in rows):
            continue
        sentences = _within(paragraph, said)
        if sentences and not all(is_prompt(text) for _, text in sentences):
            return paragraph
    return None


def _byline(row: str) -> bool:
    """A short line without a sentence's end: a title, an author and date, a course ("Alex Brown, History")."""
    return len(row.split()) <= BYLINE_WORDS and not row.endswith((".", "!", "?", ":"))


def _within(paragraph: Node, said: dict[int, list[tuple[Point, str]]]) -> list[tuple[Point, str]]:
    return [found for line in range(paragraph.first + 1, paragraph.last + 2) for found in said.get(line, [])]


def _ends(paragraph: Node, said: dict[int, list[tuple[Point, str]]]) -> list[Point]:
    """The first and last sentences of ``paragraph``."""
    sentences = [point for point, _ in _within(paragraph, said)]
    return list(dict.fromkeys([sentences[0], sentences[-1]]))


def _heading_point(lines: list[str], chunks: list[Chunk], line: int) -> Point | None:
    """The words of heading ``line`` (1-based) in the first chunk that holds it ("## Glycolysis ##" gives
    "Glycolysis", "2 The Great Leap Forward 1958" all of itself)."""
    words = lines[line - 1].strip().strip("#").strip()
    for i, chunk in enumerate(chunks):
        if words and chunk.start_line <= line <= chunk.end_line:
            at = chunk.text.find(words, line_starts(chunk.text.split("\n"))[line - chunk.start_line])
            if at >= 0:
                return Point(i, at, at + len(words))
    return None


__all__ = ["Point", "asked", "concerns_notes", "name", "named", "points", "topic", "wanted"]
