"""Turn ranked passages into an extractive answer: the notes' own sentences, each cited."""

from __future__ import annotations

import re

from .text import terms
from .types import Answer, Passage, Sentence

SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``; every line is at least one sentence."""
    spans, start = [], 0
    for match in SENTENCE_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(a + _lead(text[a:b]), b - _trail(text[a:b])) for a, b in spans if text[a:b].strip()]


def _lead(s: str) -> int:
    return len(s) - len(s.lstrip())


def _trail(s: str) -> int:
    return len(s) - len(s.rstrip())


def candidate_sentences(question: str, passages: list[Passage], top: int = 3) -> list[Sentence]:
    """Sentences of the top passages, scored by shared terms with the question and passage rank."""
    wanted = set(terms(question))
    found = []
    for rank, passage in enumerate(passages[:top]):
        for start, end in split_sentences(passage.text):
            text = passage.text[start:end]
            overlap = len(wanted & set(terms(text))) / max(1, len(wanted))
            line = passage.start_line + passage.text.count("\n", 0, start)
            found.append(Sentence(text, passage.source, line, rank, start, end, overlap - 0.1 * rank))
    return found


def compose(question: str, passages: list[Passage]) -> Answer:
    """The best sentence of the top passages as the answer, with its passage highlighted."""
    sentences = candidate_sentences(question, passages)
    if not sentences:
        return Answer(question, None, True, passages)
    best = max(sentences, key=lambda s: s.score)
    marked = list(passages)
    target = marked[best.passage]
    marked[best.passage] = Passage(target.text, target.source, target.start_line, target.end_line,
                                   target.heading, target.score, ((best.start, best.end),))
    return Answer(question, f"{best.text} [{best.citation}]", False, marked, [best], max(0.0, best.score))


__all__ = ["candidate_sentences", "compose", "split_sentences"]
