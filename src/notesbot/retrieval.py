"""Rank an index's chunks for a question: dense (FAISS), BM25, and their reciprocal-rank fusion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import dates, late
from .chunking import about_asking, is_prompt_chunk, opening_prompt
from .config import (
    DEFAULT_CANDIDATES,
    DEFAULT_DENSE_WEIGHT,
    DEFAULT_FUSION,
    DEFAULT_LATE_WEIGHT,
    DEFAULT_RRF_K,
    check_mode,
)
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
    return [Hit(i, s) for i, s in zip(ids[0].tolist(), scores[0].tolist()) if i >= 0]


def bm25(index: Index, question: str, n: int) -> list[Hit]:
    """Top ``n`` chunks by BM25 over the analyzer's terms; chunks with no matching term are left out."""
    query = [t for t in terms(question) if t in index.bm25.vocab_dict]
    if not query or not index.chunks:
        return []
    scores = index.bm25.get_scores(query)
    n = min(n, len(scores))
    top = np.argpartition(-scores, n - 1)[:n]
    # Tied scores keep the order argpartition leaves them in. The shipped notes have many ties, and ordering
    # them by position instead (which a top-k over only the chunks holding a query term would need) changes
    # the eval's rankings; at 100,000 chunks this whole function takes about 1 ms.
    top = top[np.argsort(-scores[top], kind="stable")]
    top = top[scores[top] > 0]
    return [Hit(i, s) for i, s in zip(top.tolist(), scores[top].tolist())]


def idf(index: Index, query_terms: list[str]) -> dict[str, float]:
    """BM25 inverse document frequency of each term known to the index (unknown terms are left out)."""
    n = max(1, int(index.bm25.scores["num_docs"]))
    out = {}
    for term in query_terms:
        if term and term in index.bm25.vocab_dict:
            df = document_frequency(index, term)
            out[term] = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
    return out


def document_frequency(index: Index, term: str) -> int:
    """How many chunks hold ``term`` (0 for a term the index does not know)."""
    tid = index.bm25.vocab_dict.get(term)
    if tid is None:
        return 0
    indptr = index.bm25.scores["indptr"]
    return int(indptr[tid + 1] - indptr[tid])


def rrf(rankings: list[list[Hit]], k: int = DEFAULT_RRF_K, weights: list[float] | None = None) -> list[Hit]:
    """Reciprocal rank fusion: each list adds ``weight / (k + rank)`` to its chunks."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for weight, ranking in zip(weights, rankings):
        for rank, hit in enumerate(ranking, start=1):
            fused[hit.chunk] = fused.get(hit.chunk, 0.0) + weight / (k + rank)
    return sorted((Hit(c, s) for c, s in fused.items()), key=lambda h: (-h.score, h.chunk))


def convex(rankings: list[list[Hit]], weights: list[float]) -> list[Hit]:
    """Convex combination: each list adds ``weight * score`` after min-max scaling its scores to [0, 1]."""
    fused: dict[int, float] = {}
    for weight, ranking in zip(weights, rankings):
        if not ranking:
            continue
        low, high = min(h.score for h in ranking), max(h.score for h in ranking)
        for hit in ranking:
            scaled = (hit.score - low) / (high - low) if high > low else 1.0
            fused[hit.chunk] = fused.get(hit.chunk, 0.0) + weight * scaled
    return sorted((Hit(c, s) for c, s in fused.items()), key=lambda h: (-h.score, h.chunk))


def late_ranking(index: Index, tokens: np.ndarray, chunks: list[int]) -> list[Hit]:
    """``chunks`` ranked by late interaction with the question's token vectors (:mod:`notesbot.late`)."""
    scores = late.maxsim(tokens, index.contents.token_vectors, index.token_offsets, chunks)
    order = np.argsort(-scores, kind="stable")
    return [Hit(chunks[i], float(scores[i])) for i in order.tolist()]


def search(
    index: Index,
    question: str,
    query: np.ndarray | None,
    k: int,
    mode: str = "hybrid",
    candidates: int = DEFAULT_CANDIDATES,
    rrf_k: int = DEFAULT_RRF_K,
    fusion: str = DEFAULT_FUSION,
    dense_weight: float = DEFAULT_DENSE_WEIGHT,
    tokens: np.ndarray | None = None,
    reference: int | None = None,
) -> list[Hit]:
    """The top ``k`` chunks for ``question`` under ``mode`` (``query`` is its vector, for dense and hybrid).

    Hybrid fuses the top ``candidates`` of each ranking by ``fusion`` (``rrf`` or ``convex``), the dense
    ranking weighted ``dense_weight`` and BM25 ``1 - dense_weight``; with the question's token vectors
    ``tokens`` and an index that stores its chunks' tokens, RRF also fuses the late-interaction ranking of
    those candidates, weighted ``DEFAULT_LATE_WEIGHT``. ``reference``, the year the notes centre on, reads the
    question's short years for ``demote``.
    """
    check_mode(mode)
    n = max(k, candidates)
    ranking = _ranking(index, question, query, n, mode, rrf_k, fusion, dense_weight, tokens)
    return demote(index, question, ranking, reference)[:k]


def _ranking(
    index: Index,
    question: str,
    query: np.ndarray | None,
    n: int,
    mode: str,
    rrf_k: int,
    fusion: str,
    weight: float,
    tokens: np.ndarray | None,
) -> list[Hit]:
    if mode == "bm25":
        return bm25(index, question, n)
    assert query is not None, "dense and hybrid retrieval need the question's vector"
    if mode == "dense":
        return dense(index, query, n)
    rankings = [dense(index, query, n), bm25(index, question, n)]
    if fusion == "convex":
        return convex(rankings, [weight, 1.0 - weight])
    weights = [2 * weight, 2 * (1.0 - weight)]  # equal weights give plain RRF's scores
    if tokens is not None and index.has_tokens:
        pool = sorted({h.chunk for ranking in rankings for h in ranking})
        rankings.append(late_ranking(index, tokens, pool))
        weights.append(DEFAULT_LATE_WEIGHT)
    return rrf(rankings, rrf_k, weights)


def demote(index: Index, question: str, hits: list[Hit], reference: int | None = None) -> list[Hit]:
    """``hits`` with those that cannot answer the question moved after the rest, each group in its order.

    Two kinds cannot: a chunk that is mostly questions or instructions (an essay's assignment, an exam
    prompt), which restates what is asked; and, when the question names years ("in 1958", "the mid-1950s")
    and some hit names one of them, a chunk about another time, whose text and breadcrumb name years and none
    in the question's. Chunks naming no year are not moved for time. Scores are kept. Given the year the notes
    centre on (``reference``), years the question writes short count too ("the late 50s", "in 58").

    A question about what the notes ask ("What question was the essay written to answer?") has the prompts,
    and chunks that open with questions or instructions, moved first instead, and nothing moved for time.
    """
    prompts = [is_prompt_chunk(index.chunks[h.chunk]) for h in hits]
    if about_asking(question):  # the prompts are what is asked about, and so are assignments atop an essay
        first = [p or bool(opening_prompt(index.chunks[h.chunk])) for h, p in zip(hits, prompts)]
        return [h for h, f in zip(hits, first) if f] + [h for h, f in zip(hits, first) if not f]
    asked = dates.question_span(question, reference)
    named = [dates.spans_in(index.chunks[h.chunk].embed_text, asked) if asked else [] for h in hits]
    fits = [asked is not None and any(s.overlaps(asked) for s in spans) for spans in named]
    timed = any(fits)  # else no passage is about those years ("1390 experts" is a count): time moves nothing
    late = [p or (timed and bool(spans) and not fit) for p, spans, fit in zip(prompts, named, fits)]
    return [h for h, out in zip(hits, late) if not out] + [h for h, out in zip(hits, late) if out]


__all__ = ["Hit", "bm25", "convex", "demote", "dense", "document_frequency", "idf", "late_ranking", "rrf", "search"]
