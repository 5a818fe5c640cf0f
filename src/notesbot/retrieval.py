"""Rank an index's chunks for a question: dense (FAISS), BM25, and their reciprocal-rank fusion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import DEFAULT_CANDIDATES, DEFAULT_RRF_K, check_mode
from .index import Index
from .text import terms


@dataclass(frozen=True)
class Hit:
    """A chunk position in the index and its score under one ranking."""

    chunk: int
    score: float


def dense(index: Index, query: np.ndarray, n: int) -> list[Hit]:
    """Top ``n`` chunks by inner product with the normalised query vector."""
    n = min(n, int(index.faiss.ntotal))
    if n <= 0:
        return []
    scores, ids = index.faiss.search(np.asarray(query, dtype=np.float32).reshape(1, -1), n)
    return [Hit(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


def bm25(index: Index, question: str, n: int) -> list[Hit]:
    """Top ``n`` chunks by BM25 over the analyzer's terms; chunks with no matching term are left out."""
    query = [t for t in terms(question) if t in index.bm25.vocab_dict]
    if not query or not index.chunks:
        return []
    scores = index.bm25.get_scores(query)
    n = min(n, len(scores))
    top = np.argpartition(-scores, n - 1)[:n]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [Hit(int(i), float(scores[i])) for i in top if scores[i] > 0]


def rrf(rankings: list[list[Hit]], k: int = DEFAULT_RRF_K, weights: list[float] | None = None) -> list[Hit]:
    """Reciprocal rank fusion: each list adds ``weight / (k + rank)`` to its chunks."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for weight, ranking in zip(weights, rankings):
        for rank, hit in enumerate(ranking, start=1):
            fused[hit.chunk] = fused.get(hit.chunk, 0.0) + weight / (k + rank)
    return sorted((Hit(c, s) for c, s in fused.items()), key=lambda h: (-h.score, h.chunk))


def search(
    index: Index,
    question: str,
    query: np.ndarray | None,
    k: int,
    mode: str = "hybrid",
    candidates: int = DEFAULT_CANDIDATES,
    rrf_k: int = DEFAULT_RRF_K,
) -> list[Hit]:
    """The top ``k`` chunks for ``question`` under ``mode`` (``query`` is its vector, for dense and hybrid)."""
    check_mode(mode)
    n = max(k, candidates)
    if mode == "bm25":
        return bm25(index, question, k)
    assert query is not None, "dense and hybrid retrieval need the question's vector"
    if mode == "dense":
        return dense(index, query, k)
    return rrf([dense(index, query, n), bm25(index, question, n)], rrf_k)[:k]


__all__ = ["Hit", "bm25", "dense", "rrf", "search"]
