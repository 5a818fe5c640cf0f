"""Data records shared by every layer: documents, chunks, passages and answers."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Document:
    """One note file, decoded, with line endings normalised to ``\\n``."""

    source: str
    text: str
    sha256: str
    pages: tuple[int, ...] = ()  # for a PDF, the line each page starts on (1-based); empty for text notes

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


@dataclass(frozen=True)
class TokenVectors:
    """A text's tokens (word pieces, with the model's special tokens) and the last layer's vector of each."""

    tokens: list[str]
    vectors: np.ndarray
    sentence: np.ndarray | None = None  # the model's own sentence vector of the text, when it gave one

    def pooled(self) -> np.ndarray:
        """The sentence vector, L2-normalised: the model's own (its pooling) when it gave one, else the mean
        of the token vectors (mean pooling)."""
        import numpy as np

        vector = self.sentence if self.sentence is not None else self.vectors.mean(axis=0)
        return np.asarray(vector / max(float(np.linalg.norm(vector)), 1e-12), dtype=np.float32)


@dataclass(frozen=True)
class Chunk:
    """A span of a document: ``text == document.text[start:end]``.

    ``start_line`` and ``end_line`` are 1-based and inclusive; ``heading`` is the breadcrumb
    of outline items or Markdown headings above the span (``None`` for plain prose). ``lead_in`` is the
    sentence before a span that starts mid-sentence (a paragraph broken by a blank line or a split).
    """

    text: str
    source: str
    start_line: int
    end_line: int
    heading: str | None
    start: int
    end: int
    context: str = ""
    sentences: tuple[tuple[int, int], ...] = ()
    lead_in: str = ""
    page: int = 0  # for a PDF, the page the span starts on, and the one it ends on (0: not a PDF)
    last_page: int = 0

    @property
    def embed_text(self) -> str:
        """The text that is embedded and BM25-indexed: breadcrumb context, lead-in, then the span."""
        return "\n".join(part for part in (self.context, self.lead_in, self.text) if part)

    def sentence_texts(self) -> list[str]:
        """Each sentence with the headings above its line (or, for the span's opening words, the lead-in)
        in front: what a sentence vector embeds."""
        out = []
        for a, b in self.sentences:
            above = " > ".join(self.headings_above(a)) or (self.lead_in if a == 0 else "")
            out.append("\n".join([above, self.text[a:b]]) if above else self.text[a:b])
        return out

    def headings_above(self, offset: int) -> list[str]:
        """The breadcrumb labels above the line of ``text`` that holds ``offset``, outermost first."""
        labels = self.heading.split(" > ") if self.heading else []
        line_start = self.text.rfind("\n", 0, offset) + 1
        line_end = self.text.find("\n", offset)
        line = self.text[line_start : line_end if line_end >= 0 else len(self.text)].strip()
        return labels[: labels.index(line)] if line in labels else labels

    def line_at(self, offset: int) -> int:
        """The file's (1-based) line that holds ``offset`` of ``text``."""
        return self.start_line + self.text.count("\n", 0, offset)

    def subject_of(self, start: int) -> str:
        """For a sentence that goes on from its heading (it starts in lower case, as in ``2 The Great Leap
        Forward`` / ``2.1 was a rejection of ...``), that heading; for the span's opening words when the
        span starts mid-sentence, the lead-in; otherwise ""."""
        if not self.text[start : start + 1].islower():
            return ""
        above = self.headings_above(start)
        return above[-1] if above else (self.lead_in if start == 0 else "")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sentences"] = [list(s) for s in self.sentences]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        fields["sentences"] = tuple((int(a), int(b)) for a, b in fields.get("sentences", ()))
        return cls(**fields)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its score (higher is better) and answer highlights."""

    text: str
    source: str
    start_line: int
    end_line: int
    heading: str | None
    score: float
    highlights: tuple[tuple[int, int], ...] = ()
    page: int = 0  # for a PDF, the pages the passage starts and ends on (0: not a PDF); not in the JSON
    last_page: int = 0

    @property
    def citation(self) -> str:
        span = f"{self.start_line}" if self.start_line == self.end_line else f"{self.start_line}-{self.end_line}"
        return f"{self.source}:{span}"

    @property
    def pages(self) -> str:
        """For a PDF, the page or pages the passage is on ("p. 3", "pp. 3-4"); "" for a text note."""
        if not self.page:
            return ""
        return f"p. {self.page}" if self.last_page <= self.page else f"pp. {self.page}-{self.last_page}"

    @property
    def label(self) -> str:
        """The citation as people read it, with a PDF's pages ("notes.pdf:40-45, p. 3")."""
        return f"{self.citation}, {self.pages}" if self.pages else self.citation

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "source": self.source,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "heading": self.heading,
            "score": round(float(self.score), 6),
            "highlights": [list(h) for h in self.highlights],
        }

    @classmethod
    def from_chunk(cls, chunk: Chunk, score: float) -> Passage:
        return cls(
            chunk.text,
            chunk.source,
            chunk.start_line,
            chunk.end_line,
            chunk.heading,
            float(score),
            page=chunk.page,
            last_page=chunk.last_page,
        )


@dataclass(frozen=True)
class Sentence:
    """A sentence of a passage used in an answer, with its citation."""

    text: str
    source: str
    line: int
    passage: int
    start: int
    end: int
    score: float
    end_line: int = 0  # the last line, for a sentence that goes on over a line break (0: ``line`` alone)

    @property
    def last_line(self) -> int:
        """The line the sentence ends on."""
        return max(self.line, self.end_line)

    @property
    def citation(self) -> str:
        return (
            f"{self.source}:{self.line}-{self.end_line}" if self.end_line > self.line else f"{self.source}:{self.line}"
        )

    @property
    def words(self) -> str:
        """The sentence as it reads: one that goes on over a line break has its breaks (and the spaces around
        them) as one space each; other sentences are the notes' text as it is."""
        return re.sub(r"\s*\n\s*", " ", self.text)


@dataclass(frozen=True)
class Answer:
    """The result of one question: extractive answer (or abstention) and its passages."""

    question: str
    answer: str | None
    abstained: bool
    passages: list[Passage] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    confidence: float = 0.0
    notices: list[str] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)

    @property
    def confidence_percent(self) -> int:
        """The confidence as a whole percentage for people, rounded down so it never contradicts the decision
        (a refusal at 0.548 under a 0.55 threshold shows 54, not 55). It is floored from the shortest decimal
        form of the number, so 0.57, stored as 0.5699999..., shows 57."""
        if not 0.0 <= float(self.confidence) <= 1.0:  # NaN too
            return 0 if not float(self.confidence) > 0 else 100
        hundredths = Decimal(repr(float(self.confidence))).scaleb(2).to_integral_value(rounding=ROUND_FLOOR)
        return min(100, max(0, int(hundredths)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "confidence": round(float(self.confidence), 4),
            "passages": [p.to_dict() for p in self.passages],
        }


__all__ = ["Answer", "Chunk", "Document", "Passage", "Sentence"]
