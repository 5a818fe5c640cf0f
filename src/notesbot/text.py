"""The lexical analyzer shared by BM25 indexing, querying and answer scoring."""

from __future__ import annotations

import hashlib
import re
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
    """Lower-cased word tokens, stop words kept."""
    return TOKEN.findall(text.lower())


def terms(text: str) -> list[str]:
    """Stemmed, stop-word-free terms: what BM25 indexes and matches."""
    kept = [w for w in words(text) if w not in STOPWORDS]
    return _stemmer().stemWords(kept) if kept else []


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


__all__ = ["STOPWORDS", "content_hash", "terms", "words"]
