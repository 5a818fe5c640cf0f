"""Questions that name whole notes: "What does the essay say about Stalin?" is asked of the essay, and "What
is the essay about?" is answered with its section headings, or the opening (or, for its conclusion, the close)
of its prose."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from .chunking import LEAF, Node, is_prompt, is_title, parse
from .text import terms
from .types import Chunk

# what asks for an overview: "what is X about", "summarise", "main points", "what does X argue", "conclusion"
OVERVIEW = re.compile(
    r"\b(?:about|summar(?:y|ies|ise|ize)|overview|gist|main (?:points?|ideas?|arguments?|topics?|themes?)|"
    r"topics?|cover(?:s|ed)?|argue[sd]?|arguments?|thesis|structure|sections?|conclu(?:de[sd]?|sions?))\b",
    re.IGNORECASE,
)
CONCLUSION = re.compile(r"\bconclu(?:de[sd]?|sions?)\b", re.IGNORECASE)
# ... and the words such a question may use besides the note's name: nothing it names inside the note
OVERVIEW_WORDS = frozenset(
    terms(
        "about summary summaries summarise summarize overview gist main key point points idea ideas topic topics "
        "theme themes cover covers covered argue argues argued argument arguments thesis structure section "
        "sections conclude concludes concluded conclusion conclusions overall whole mostly say says said tell "
        "give explain describe briefly quick quickly please my our your s this these those what which me us i"
    )
)
# a kind of note, which names every note unless a note's file name holds it ("essay", "outline")
ANY_NOTE = frozenset(terms("note notes file files document documents"))
# kinds of note a question names to ask one of them: "according to the essay", "in my lecture notes"
KINDS = frozenset(
    terms(
        "essay essays outline outlines lecture lectures handout handouts chapter chapters article "
        "articles flashcards revision"
    )
)
MAX_POINTS = 8  # headings listed at most
PROSE_POINTS = 2  # sentences of the opening (or closing) paragraph: its first and its last


@dataclass(frozen=True)
class Point:
    """A sentence (or a heading's words) of a note's overview: ``chunk`` indexes the note's chunks."""

    chunk: int
    start: int
    end: int


def concerns_notes(question: str) -> bool:
    """Whether ``question`` may ask about whole notes or name one (then ``asked`` and ``named`` need the
    notes' names)."""
    return bool(OVERVIEW.search(question) or set(terms(question)) & (KINDS | ANY_NOTE))


def asked(question: str, names: dict[str, str]) -> list[str] | None:
    """The notes ``question`` asks for an overview of ("What is the essay about?", "Summarise my notes"), in
    ``names`` order (a note's path -> its name: the file name and its title); None when it asks about
    something inside the notes ("What is the essay's view of Stalin?") or names no note."""
    if not OVERVIEW.search(question):
        return None
    own = set(terms(question)) - OVERVIEW_WORDS
    called = {source: _name_terms(name) for source, name in names.items()}
    if not own or not own <= ANY_NOTE | {t for words in called.values() for t in words}:
        return None
    chosen = [source for source, words in called.items() if own - ANY_NOTE <= words]
    return chosen or None


def named(question: str, names: dict[str, str]) -> list[str] | None:
    """The notes whose names (``asked``) hold a kind of note the question names ("the essay", "my lecture"),
    when that is some of them but not all; else None (the question is asked of every note)."""
    kinds = set(terms(question)) & KINDS
    chosen = [source for source, name in names.items() if kinds & _name_terms(name)]
    return chosen if chosen and len(chosen) < len(names) else None


def points(lines: list[str], chunks: list[Chunk], conclusion: bool, limit: int = MAX_POINTS) -> tuple[str, list[Point]]:
    """The overview of one note (its ``lines``, and its ``chunks`` in file order), and what it is: its section
    headings, at the first level that has two or more (at most ``limit``); for prose without headings, the
    first and last sentences of its first paragraph that tells (its last, for a ``conclusion``)."""
    tree = parse(lines)
    heads = [n for n in tree.children if n.label is not None]
    while len(heads) == 1:  # one title above the sections: "# Respiration" / "## Glycolysis" ...
        heads = [n for n in heads[0].children if n.label is not None]
    if len(heads) >= 2 and not conclusion:
        found = (_heading_point(lines, chunks, n.first + 1) for n in heads[: max(PROSE_POINTS, limit)])
        return "section headings", [p for p in found if p is not None]
    paragraphs = [n for n in _leaves(tree) if _tells(lines, chunks, n)]
    if not paragraphs:
        return "", []
    chosen = paragraphs[-1] if conclusion else paragraphs[0]
    said = _sentences(chunks, chosen.first + 1, chosen.last + 1)
    return ("closing" if conclusion else "opening") + " paragraph", list(dict.fromkeys([said[0], said[-1]]))


def wants_conclusion(question: str) -> bool:
    return bool(CONCLUSION.search(question))


def name(source: str, title: str | None) -> str:
    """A note's name as a question may give it: its file name's words and its title ("Lecture 7")."""
    return " ".join([re.sub(r"[-_.]+", " ", PurePosixPath(source).stem), title or ""]).strip()


def _name_terms(name: str) -> set[str]:
    return set(terms(name))


def _leaves(node: Node) -> list[Node]:
    """The paragraphs under ``node``, in file order."""
    return [leaf for child in node.children for leaf in ([child] if child.depth == LEAF else _leaves(child))]


def _tells(lines: list[str], chunks: list[Chunk], paragraph: Node) -> bool:
    """Whether a paragraph says something: not a title line ("Jason Gordon 19 March 2023") and not only
    questions and instructions (an essay's assignment)."""
    if paragraph.first == paragraph.last and is_title(lines[paragraph.first], 0):
        return False
    said = _sentences(chunks, paragraph.first + 1, paragraph.last + 1)
    return any(not is_prompt(_text(chunks, p)) for p in said)


def _sentences(chunks: list[Chunk], first: int, last: int) -> list[Point]:
    """The sentences of ``chunks`` that start on lines ``first`` to ``last`` (1-based), in order."""
    out = []
    for i, chunk in enumerate(chunks):
        for a, b in chunk.sentences:
            if first <= chunk.start_line + chunk.text.count("\n", 0, a) <= last:
                out.append(Point(i, a, b))
    return out


def _heading_point(lines: list[str], chunks: list[Chunk], line: int) -> Point | None:
    """The words of heading ``line`` (1-based) in the first chunk that holds it ("## Glycolysis" gives
    "Glycolysis", "2 The Great Leap Forward 1958" all of itself)."""
    words = lines[line - 1].strip().lstrip("#").strip()
    for i, chunk in enumerate(chunks):
        if chunk.start_line <= line <= chunk.end_line:
            row_start = _line_offset(chunk.text, line - chunk.start_line)
            at = chunk.text.find(words, row_start) if words else -1
            if at >= 0:
                return Point(i, at, at + len(words))
    return None


def _line_offset(text: str, row: int) -> int:
    offset = 0
    for _ in range(row):
        offset = text.index("\n", offset) + 1
    return offset


def _text(chunks: list[Chunk], point: Point) -> str:
    return chunks[point.chunk].text[point.start : point.end]


__all__ = ["Point", "asked", "concerns_notes", "name", "named", "points", "wants_conclusion"]
