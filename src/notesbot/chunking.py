"""Split a Document into Chunks that follow its outline numbers, Markdown headings and paragraphs."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from . import outline, sentences
from .config import DEFAULT_CHUNK_CHARS
from .text import ANALYZER_VERSION, line_starts, without_outline_numbers
from .types import Chunk, Document

MARKDOWN = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
SEPARATORS = [r"\n\n", r"\n", r"(?<=[.!?])\s+", r"(?<=[;:])\s+", r"(?<=,)\s+", r"\s+", ""]
CHUNKER_NAME = "outline-markdown-paragraph"
LEAD_IN_CHARS = 150  # the model reads 256 tokens: the lead-in must leave room for the span itself
TAIL_SHARE = 2  # a piece of a long line shorter than half a chunk joins the piece before it
MEND_SHARE = 4  # a sentence broken by a blank line is kept whole while its piece grows at most a quarter
TITLE_WORDS = 12  # a line of more words is no title, however it is capitalised
TITLE_WORD_LETTERS = 5  # a title of one word has at least this many letters ("Forgetting", not "Yes" or "Mao")
# the small words a title leaves in lower case
TITLE_SMALL_WORDS = frozenset("a an and as at but by for from in into of on or the to vs with".split())  # noqa: SIM905
LEAF = 99  # a paragraph's depth in the heading tree: below every heading
PROMPT_SHARE = 0.6  # a chunk whose text is more than this share of questions and instructions is a prompt


@dataclass
class Node:
    """A heading-like line (outline item or Markdown heading) or a paragraph, with its children."""

    first: int
    last: int
    depth: int
    label: str | None
    children: list[Node] = field(default_factory=list)

    @property
    def end_line(self) -> int:
        return self.children[-1].end_line if self.children else self.last


def chunker_params(max_chars: int = DEFAULT_CHUNK_CHARS) -> dict[str, object]:
    """What identifies this chunker's output; stored in the index manifest."""
    return {"name": CHUNKER_NAME, "version": 20, "max_chars": max_chars, "analyzer": ANALYZER_VERSION}


def chunk_document(doc: Document, max_chars: int = DEFAULT_CHUNK_CHARS) -> list[Chunk]:
    """Chunks of ``doc`` in reading order; each chunk's text is an exact slice of ``doc.text``."""
    lines = doc.text.split("\n")
    starts = line_starts(lines)
    points = outline.rows(lines)
    root = parse(lines, points)
    packer = _Packer(doc, lines, starts, max_chars, points)
    packer.pack_children(root, [])
    packer.flush_pending(len(lines) - 1, [])
    return packer.chunks


def parse(lines: list[str], points: set[int] | None = None) -> Node:
    """The heading tree of ``lines``: outline items (the lines ``points`` holds, by default those
    ``outline.rows`` finds) and headings nest, paragraphs are leaves."""
    points = outline.rows(lines) if points is None else points
    root = Node(-1, -1, 0, None)
    stack = [root]
    heading_depth = 0
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if FENCE.match(line):
            in_fence = not in_fence
        kind = None if in_fence else _heading(lines, i, heading_depth, points)
        if kind is not None:
            depth, label, is_markdown = kind
            if is_markdown:
                heading_depth = depth
            while stack[-1].depth >= depth:
                stack.pop()
            node = Node(i, i, depth, label)
            stack[-1].children.append(node)
            stack.append(node)
            i += 1
        elif line.strip():
            last = _paragraph_end(lines, i, heading_depth, points)
            stack[-1].children.append(Node(i, last, LEAF, None))
            i = last + 1
        else:
            i += 1
    return root


def bm25_text(chunk: Chunk) -> str:
    """What BM25 indexes of ``chunk``: its breadcrumb, lead-in and text without the numbers of outline points
    (in its text, the lines whose number no sentence holds: the chunker read them as points), so that "three
    causes" does not find point 3.1."""
    lines = chunk.text.split("\n")
    for row, start in enumerate(line_starts(lines)):
        match = outline.NUMBER.match(lines[row])
        if match and not any(a <= start + match.start(1) < b for a, b in chunk.sentences):
            lines[row] = lines[row][match.end() :]
    return "\n".join(part for part in (without_outline_numbers(chunk.context), chunk.lead_in, *lines) if part)


def is_title(text: str, offset: int) -> bool:
    """Whether the line of ``text`` holding ``offset`` is a section title: a Markdown heading, a line in
    Title Case without a full stop ("The Theory of Plate Tectonics"), or a top-level outline number
    (``6 Personalities``) followed by its sub-items (``6.1 ...``)."""
    lines = text.split("\n")
    row = text.count("\n", 0, offset)
    if MARKDOWN.match(lines[row]) or _title_case(lines[row], lines[row - 1] if row else ""):
        return True
    top = outline.NUMBER.match(lines[row])
    if not top or "." in top.group(1):
        return False
    below = next((line for line in lines[row + 1 :] if line.strip()), "")
    child = outline.NUMBER.match(below)
    return bool(child and child.group(1).startswith(top.group(1) + "."))


def _title_case(line: str, above: str = "") -> bool:
    """A short line, not an outline point nor a list item, that heads what follows: its words all capitalised
    but for short function words ("of", "the") and no punctuation at its end (a title written as plain text;
    one word of TITLE_WORD_LETTERS letters or more, "Misrepresentation", when the line ``above`` is blank or
    ends with a full stop: not the last word of wrapped prose, an answer under a question or a list's item),
    or any words ending in a colon ("Key points for the essay:", which leads into a list)."""
    words = line.split()
    if not 1 <= len(words) <= TITLE_WORDS or outline.NUMBER.match(line) or sentences.BULLET.match(line):
        return False
    if line.rstrip().endswith(":"):
        return True
    if line.rstrip()[-1] in ".!?;,":
        return False
    if len(words) == 1:  # not an answer under a question ("Who won?" / "Stalin"), nor an item of a list
        alone = not above.strip() or above.rstrip().rstrip(sentences.CLOSING).endswith((".", "!"))
        return alone and words[0].isalpha() and words[0][0].isupper() and len(words[0]) >= TITLE_WORD_LETTERS
    content = [w for w in words if w[0].isalpha() and w.lower() not in TITLE_SMALL_WORDS]
    return bool(content) and all(w[0].isupper() for w in content)


def parent_point(text: str, offset: int) -> tuple[int, int] | None:
    """The span in ``text`` of the outline point that the line holding ``offset`` is a sub-point of (``2.1``
    for ``2.1.1``), when it lies above that line in ``text``; None otherwise."""
    lines = text.split("\n")
    row = text.count("\n", 0, offset)
    own = outline.NUMBER.match(lines[row])
    if not own or "." not in own.group(1):
        return None
    parent = own.group(1).rsplit(".", 1)[0]
    for up in range(row - 1, -1, -1):
        above = outline.NUMBER.match(lines[up])
        if above and above.group(1) == parent:
            start = line_starts(lines)[up]
            return start, start + len(lines[up])
    return None


def child_points(text: str, offset: int) -> list[tuple[int, int]]:
    """The spans in ``text`` of the outline points directly under the one on the line holding ``offset``
    (``3.1.1`` and ``3.1.2`` under ``3.1``), as far as ``text`` goes; empty for a line that is no point."""
    lines = text.split("\n")
    row = text.count("\n", 0, offset)
    own = outline.NUMBER.match(lines[row])
    if not own:
        return []
    starts, number, found = line_starts(lines), own.group(1), []
    for below in range(row + 1, len(lines)):
        point = outline.NUMBER.match(lines[below])
        if point is None:
            continue
        if not point.group(1).startswith(number + "."):
            break
        if point.group(1).count(".") == number.count(".") + 1:
            found.append((starts[below], starts[below] + len(lines[below])))
    return found


# a sentence that asks rather than tells: a question, or an essay or exam instruction ("Explain the ...")
PROMPT = re.compile(
    r"\?[\"'”’)\]]*\s*$|^\W*(please\s+)?(explain|discuss|describe|evaluate|assess|analy[sz]e|compare|contrast|"
    r"outline|consider|examine|justify|to what extent|how far)\b",
    re.IGNORECASE,
)


def is_prompt(sentence: str) -> bool:
    """Whether a sentence asks rather than tells: a question, or an essay or exam instruction."""
    return bool(PROMPT.search(sentence.strip()))


# what a document asks: its assignment or prompt, or a question (a noun, not "the question of who leads",
# "Quick question:" or "why did Mao question ...") when the question also names the kind of document
ASSIGNMENT = re.compile(
    r"\b(assignments?|(the|its|this|my|our|essay|exam|what|which|\w+['’]s) prompts?)\b(?!\s+of\b)", re.IGNORECASE
)
# ... "question" as a noun: not followed by what a verb takes ("the essay questions the idea") or by "is,"
QUESTION_NOUN = re.compile(
    r"\b(the|this|its|that|my|our|essay|exam|test|what|which|\w+['’]s) questions?\b"
    r"(?!\s*:|\s+(of|the|a|an|whether|if|his|her|their|its|this|that|these|those|how|why)\b|\s+is,)",
    re.IGNORECASE,
)
DOCUMENT = re.compile(r"\b(essays?|exams?|assignments?|coursework|homework|notes)\b", re.IGNORECASE)


def about_asking(question: str) -> bool:
    """Whether a question asks what the notes ask: their assignment, or their essay or exam question."""
    return bool(ASSIGNMENT.search(question) or (QUESTION_NOUN.search(question) and DOCUMENT.search(question)))


def opening_prompt(chunk: Chunk) -> list[tuple[int, int]]:
    """The questions and instructions a chunk opens with, after any title lines ("Essay 1" / "Explain the
    origins of the alliance. How far did Stalin trust Mao?" / then the essay): an assignment that shares its
    chunk with what answers it. Empty when the chunk opens by telling."""
    run: list[tuple[int, int]] = []
    for a, b in chunk.sentences:
        if is_prompt(chunk.text[a:b]):
            run.append((a, b))
        elif run or not is_title(chunk.text, a):
            break
    return run


def is_prompt_chunk(chunk: Chunk) -> bool:
    """Whether a chunk is questions or instructions, like an essay's assignment at its top: most of its text
    asks, and nothing after its first question tells (notes in "Q: ... A: ..." form answer)."""
    asking = [is_prompt(chunk.text[a:b]) for a, b in chunk.sentences]
    if True not in asking or not all(asking[asking.index(True) :]):
        return False
    asked = sum(b - a for (a, b), ask in zip(chunk.sentences, asking) if ask)
    return asked > PROMPT_SHARE * sum(b - a for a, b in chunk.sentences)


def _heading(lines: list[str], i: int, heading_depth: int, points: set[int]) -> tuple[int, str, bool] | None:
    md = MARKDOWN.match(lines[i])
    if md:
        return len(md.group(1)), md.group(2).strip(), True
    point = outline.NUMBER.match(lines[i]) if i in points else None
    if point:
        return heading_depth + point.group(1).count(".") + 1, lines[i].strip(), False
    return None


def _paragraph_end(lines: list[str], i: int, heading_depth: int, points: set[int]) -> int:
    """Last line of the paragraph starting at ``i``; joins a paragraph broken by a blank line mid-sentence."""
    last = i
    j = i + 1
    while j < len(lines):
        if lines[j].strip() and _heading(lines, j, heading_depth, points) is None and not FENCE.match(lines[j]):
            last = j
            j += 1
            continue
        if not lines[j].strip() and _continues(lines, last, j):
            j += 1
            continue
        break
    return last


def _continues(lines: list[str], last: int, blank: int) -> bool:
    nxt = blank + 1
    while nxt < len(lines) and not lines[nxt].strip():
        nxt += 1
    if nxt >= len(lines) or nxt - blank > 2:
        return False
    head = lines[nxt].lstrip()
    return bool(head) and head[0].islower() and not lines[last].rstrip().endswith(outline.ENDS_SENTENCE)


class _Packer:
    """Walks the tree and emits chunks no longer than ``max_chars`` where the text allows."""

    def __init__(self, doc: Document, lines: list[str], starts: list[int], max_chars: int, points: set[int]) -> None:
        self.doc, self.lines, self.starts, self.max_chars = doc, lines, starts, max_chars
        self.points = sorted(points)  # the outline points among ``lines``, as line indexes
        self.chunks: list[Chunk] = []
        self.pending: int | None = None  # first line of heading lines waiting to join the next chunk
        self.buffer: list[Node] = []  # consecutive short paragraphs waiting to be merged

    def span(self, first: int, last: int) -> tuple[int, int]:
        return self.starts[first], self.starts[last] + len(self.lines[last])

    def size(self, first: int, last: int) -> int:
        start, end = self.span(first, last)
        return end - start

    def pack_children(self, node: Node, path: list[Node]) -> None:
        for child in node.children:
            if child.label is None:
                self.add_paragraph(child, path)
            else:
                self.flush_buffer(path)
                self.pack_node(child, path)
        self.flush_buffer(path)

    def pack_node(self, node: Node, path: list[Node]) -> None:
        inner = path + [node] if node.children else path
        if self.pending is not None and self.size(self.pending, node.end_line) <= self.max_chars:
            self.emit(self.pending, node.end_line, inner)
            self.pending = None
        elif self.size(node.first, node.end_line) <= self.max_chars:
            self.flush_pending(node.first - 1, inner)
            self.emit(node.first, node.end_line, inner)
        elif not node.children:
            self.flush_pending(node.first - 1, path)
            self.split_long(node.first, node.last, path)
        else:
            if self.pending is None:
                self.pending = node.first
            self.pack_children(node, inner)

    def add_paragraph(self, node: Node, path: list[Node]) -> None:
        if self.buffer and self.size(self.buffer[0].first, node.last) > self.max_chars:
            self.flush_buffer(path)
        if self.size(node.first, node.last) > self.max_chars:
            self.flush_pending(node.first - 1, path)
            self.split_long(node.first, node.last, path)
        else:
            self.buffer.append(node)

    def flush_buffer(self, path: list[Node]) -> None:
        if not self.buffer:
            return
        first, last = self.buffer[0].first, self.buffer[-1].last
        if self.pending is not None and self.size(self.pending, last) <= self.max_chars:
            first, self.pending = self.pending, None
        self.flush_pending(first - 1, path)
        self.emit(first, last, path)
        self.buffer = []

    def flush_pending(self, last: int, path: list[Node]) -> None:
        """Emit waiting heading lines (up to line index ``last``) as a chunk of their own."""
        if self.pending is not None:
            first, self.pending = self.pending, None
            self.emit(first, max(first, last), path)

    def split_long(self, first: int, last: int, path: list[Node]) -> None:
        start, end = self.span(first, last)
        for piece_start, piece_end in split_text(self.doc.text[start:end], self.max_chars):
            self.emit_chars(start + piece_start, start + piece_end, path)

    def emit(self, first: int, last: int, path: list[Node]) -> None:
        start, end = self.span(first, last)
        self.emit_chars(start, end, path)

    def emit_chars(self, start: int, end: int, path: list[Node]) -> None:
        text = self.doc.text[start:end]
        lead = len(text) - len(text.lstrip())
        text = text.strip()
        if not text:
            return
        start += lead
        end = start + len(text)
        first_line = self.doc.text.count("\n", 0, start) + 1
        last_line = first_line + text.count("\n")
        labels = [n.label for n in path if n.label]
        context = [n.label for n in path if n.label and self.starts[n.first] < start]
        self.chunks.append(
            Chunk(
                text=text,
                source=self.doc.source,
                start_line=first_line,
                end_line=last_line,
                heading=" > ".join(labels) or None,
                start=start,
                end=end,
                context=" > ".join(c for c in context if c),
                sentences=tuple(
                    sentences.split(
                        text, self.points_in(start, first_line, last_line), start - self.starts[first_line - 1]
                    )
                ),
                lead_in=self.lead_in(start) if text[:1].islower() else "",
                page=bisect_right(self.doc.pages, first_line),
                last_page=bisect_right(self.doc.pages, last_line),
            )
        )

    def points_in(self, start: int, first_line: int, last_line: int) -> set[int]:
        """The outline points among the lines of a span starting at ``start``, counted from its first line;
        that line only when the span starts at its beginning."""
        top = first_line - 1  # the index of the span's first line
        whole = not self.doc.text[self.starts[top] : start].strip()
        rows = self.points[bisect_left(self.points, top + (not whole)) : bisect_left(self.points, last_line)]
        return {row - top for row in rows}

    def lead_in(self, start: int) -> str:
        """For a span that starts mid-sentence (the text before it stops without a full stop), the last
        sentence before it, on the nearest line above or earlier on its line: at most its last
        LEAD_IN_CHARS characters, from a word start."""
        before = self.doc.text[:start].rstrip()
        line = before[before.rfind("\n") + 1 :]
        spans = sentences.split(line)
        if not spans or line.endswith((".", "!", "?")):
            return ""
        sentence = line[spans[-1][0] : spans[-1][1]]
        if len(sentence) <= LEAD_IN_CHARS:
            return sentence
        tail = sentence[-LEAD_IN_CHARS:]
        return tail[tail.find(" ") + 1 :] if " " in tail else tail


def split_text(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Character spans of ``text`` cut at paragraph, line, sentence, clause and word boundaries."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=max_chars,
        chunk_overlap=0,
        separators=SEPARATORS,
        is_separator_regex=True,
        keep_separator="end",
        strip_whitespace=True,
    )
    spans, cursor = [], 0
    for piece in splitter.split_text(text):
        start = text.find(piece, cursor)
        if start < 0:  # pragma: no cover - the splitter only strips, so pieces are found in order
            continue
        spans.append((start, start + len(piece)))
        cursor = start + len(piece)
    mended = _mend_breaks(text, spans, max_chars + max_chars // MEND_SHARE)
    return _join_scraps(text, mended, max_chars // TAIL_SHARE, max_chars * 3 // 2)


def _mend_breaks(text: str, spans: list[tuple[int, int]], most: int) -> list[tuple[int, int]]:
    """``spans`` with each cut that falls inside a sentence at a line break (a paragraph broken by a blank
    line mid-sentence) moved to a sentence end: forward to the end of the broken sentence when the piece
    before stays within ``most`` characters, else back to its start; left where it is when neither fits."""
    out = list(spans)
    for i in range(len(out) - 1):
        (a1, b1), (a2, b2) = out[i], out[i + 1]
        maybe = "\n" in text[b1:a2] and not text[a1:b1].endswith(outline.ENDS_SENTENCE)
        broken = _straddling(text, a1, a2, b2) if maybe else None
        if broken is None:
            continue
        begin, finish = broken
        if finish - a1 <= most:
            rest = len(text[finish:b2]) - len(text[finish:b2].lstrip())
            out[i], out[i + 1] = (a1, finish), (finish + rest, b2)
        elif begin > a1 and b2 - begin <= most:
            out[i], out[i + 1] = (a1, len(text[:begin].rstrip())), (begin, b2)
    return [(a, b) for a, b in out if b > a]


def _straddling(text: str, a1: int, a2: int, b2: int) -> tuple[int, int] | None:
    """The sentence of ``text[a1:b2]`` that begins before ``a2`` and ends after it, as offsets of ``text``."""
    return next(((a1 + x, a1 + y) for x, y in sentences.split(text[a1:b2]) if x < a2 - a1 < y), None)


def _join_scraps(text: str, spans: list[tuple[int, int]], least: int, most: int) -> list[tuple[int, int]]:
    """``spans`` with each piece shorter than ``least`` characters (the last sentence or two of a line, cut
    off by the size limit) joined to the piece before it on the same line while that stays within ``most``
    characters (1.5 times the size limit; several scraps in a row do not all join one piece). A paragraph's
    last sentence cut off alone ("This alliance was not natural; ...") is found with the sentences before it."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and end - start < least and "\n" not in text[out[-1][1] : start] and end - out[-1][0] <= most:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


__all__ = ["bm25_text", "chunk_document", "chunker_params", "parse", "split_text"]
