"""Late interaction: token vectors stored as int8 after a fixed rotation, and MaxSim by hand."""

from __future__ import annotations

import numpy as np

from notesbot.late import LATE_DIM, chunk_tokens, maxsim, projection, question_tokens
from notesbot.types import TokenVectors


def tokens(words: list[str], seed: int = 0, dim: int = 384) -> TokenVectors:
    rng = np.random.default_rng(seed)
    return TokenVectors(["[CLS]", *words, "[SEP]"], rng.normal(size=(len(words) + 2, dim)).astype(np.float32))


def test_the_rotation_is_fixed_and_orthonormal() -> None:
    p = projection(384)
    assert p.shape == (384, LATE_DIM) and np.allclose(p.T @ p, np.eye(LATE_DIM), atol=1e-5)
    assert np.array_equal(p, projection.__wrapped__(384)), "the same rotation in every process"


def test_chunk_tokens_drop_the_special_tokens_and_fit_in_int8() -> None:
    stored = chunk_tokens(tokens(["mao", "launched", "tglf"]))
    assert stored.dtype == np.int8 and stored.shape == (3, LATE_DIM)
    norms = np.linalg.norm(stored.astype(np.float32) / 127, axis=1)
    assert np.allclose(norms, 1.0, atol=0.02)


def test_question_tokens_keep_content_words() -> None:
    asked = tokens(["why", "did", "mao", "launch", "the", "leap", "?"])
    kept = question_tokens(asked)
    assert kept.shape == (3, LATE_DIM), "mao, launch, leap"
    assert question_tokens(tokens(["why", "?"])).shape == (4, LATE_DIM), "all tokens when none is content"


def test_maxsim_by_hand() -> None:
    basis = np.eye(LATE_DIM, dtype=np.float32)
    question = basis[[0, 1]]  # two question tokens
    stored = np.round(np.stack([basis[0], basis[2], basis[1], basis[0] * 0.6 + basis[1] * 0.8]) * 127).astype(np.int8)
    offsets = np.array([0, 2, 3, 4])  # chunk 0: rows 0-1, chunk 1: row 2, chunk 2: row 3
    scores = maxsim(question, stored, offsets, [0, 1, 2])
    assert np.allclose(scores, [(1 + 0) / 2, (0 + 1) / 2, (0.6 + 0.8) / 2], atol=0.01)
    assert maxsim(question, stored, np.array([0, 0, 4]), [0]).tolist() == [0.0], "a chunk without tokens"


def test_a_small_model_keeps_its_inner_products() -> None:
    p = projection(64)
    assert p.shape == (64, LATE_DIM) and np.allclose(p @ p.T, np.eye(64), atol=1e-5)
