"""Late interaction: score a chunk by how well each word of the question finds its match among the chunk's words.

The sentence model's last layer gives a vector for every token. Each content token of the question is
matched with its most similar token of the chunk, and the chunk's score is the mean of those best matches
(ColBERT's MaxSim). A chunk vector averages all its words away; token matching still sees "rashly" in a
long line asked about "reckless". Chunk tokens are stored projected to ``LATE_DIM`` dimensions by a fixed
random rotation (the same for every corpus, so stored tokens stay valid as notes change) and rounded to int8.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .blas import blas_threads
from .text import STOPWORDS
from .types import TokenVectors

LATE_VERSION = 1
LATE_DIM = 128
PROJECTION_SEED = 20261125
SCALE = 127.0  # int8 steps of a unit vector's coordinates
# words that only shape a question; its content tokens are the rest
QUESTION_WORDS = frozenset(
    [
        "what",
        "why",
        "how",
        "when",
        "who",
        "whom",
        "whose",
        "which",
        "where",
        "did",
        "does",
        "do",
        "was",
        "were",
        "is",
        "are",
        "has",
        "have",
        "had",
        "can",
        "could",
        "would",
        "should",
        "will",
        "tell",
        "explain",
        "describe",
    ]
)


@lru_cache(maxsize=4)
def projection(dim: int) -> np.ndarray:
    """A fixed random rotation from the model's ``dim`` dimensions to ``LATE_DIM``: orthonormal columns, or for
    a model of fewer dimensions orthonormal rows, which keep its inner products exactly."""
    rng = np.random.default_rng(PROJECTION_SEED)
    with blas_threads(1):  # a small factorisation: on a busy machine a second BLAS thread stalled it for 1.7 s
        q, _ = np.linalg.qr(rng.normal(size=(max(dim, LATE_DIM), LATE_DIM)))
    return np.asarray(q[:dim], dtype=np.float32)


def _project(vectors: np.ndarray) -> np.ndarray:
    out = np.asarray(vectors, dtype=np.float32) @ projection(vectors.shape[1])
    return np.asarray(out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12), dtype=np.float32)


def chunk_tokens(tv: TokenVectors) -> np.ndarray:
    """What the index stores for a chunk: its tokens but the first and last (the model's [CLS] and [SEP]),
    projected and rounded to int8."""
    inner = tv.vectors[1:-1] if len(tv.vectors) > 2 else tv.vectors
    return np.asarray(np.round(_project(inner) * SCALE), dtype=np.int8)


def question_tokens(tv: TokenVectors) -> np.ndarray:
    """The projected vectors of the question's content tokens: whole words, not stop words or asking words
    (all tokens when it has none)."""
    keep = [i for i, t in enumerate(tv.tokens) if t.isalnum() and t.lower() not in STOPWORDS | QUESTION_WORDS]
    return _project(tv.vectors[keep] if keep else tv.vectors)


def maxsim(question: np.ndarray, tokens: np.ndarray, offsets: np.ndarray, chunks: list[int]) -> np.ndarray:
    """The late-interaction score of each chunk in ``chunks``: the mean over the question's tokens of the best
    cosine with the chunk's tokens (rows ``offsets[c]:offsets[c + 1]`` of ``tokens``); 0 for a chunk without."""
    scores = np.zeros(len(chunks), dtype=np.float32)
    rows = [np.arange(offsets[c], offsets[c + 1]) for c in chunks]
    sizes = np.array([len(r) for r in rows])
    if not sizes.any():
        return scores
    present = sizes > 0
    flat = np.concatenate([r for r in rows if len(r)])
    sims = question @ (np.asarray(tokens[flat], dtype=np.float32).T / SCALE)
    starts = np.concatenate([[0], np.cumsum(sizes[present])[:-1]])
    scores[present] = np.maximum.reduceat(sims, starts, axis=1).mean(axis=0)
    return scores


__all__ = ["LATE_DIM", "LATE_VERSION", "chunk_tokens", "maxsim", "projection", "question_tokens"]
