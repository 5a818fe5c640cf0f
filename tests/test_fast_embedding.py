"""The torch-free query path: numpy BERT equals sentence-transformers, and `notesbot ask` imports no torch."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from notesbot import NotesBot
from notesbot.embedding import SentenceTransformerEmbedder, resolve_model
from notesbot.fast_embedding import (
    SAFETENSORS,
    NumpyEmbedder,
    QueryEncoder,
    fast_query_encoder,
    gelu,
    load_tensors,
    supports,
)
from notesbot.types import TokenVectors

from .conftest import ROOT, FakeEmbedder

QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "eval" / "questions.jsonl").open(encoding="utf-8")]
HEAVY = ("torch", "sentence_transformers", "transformers", "onnxruntime", "faiss", "bm25s", "scipy", "numba")
VARIED = [
    "Why did Mao launch the Great Leap Forward?",
    "USSR",
    "",
    "   \t  ",
    "Ünïcödé — café, naïve, Straße; 毛泽东 and 斯大林; emoji 🙂 and math ∑ x² ≤ 1",
    "The treaty of friendship, alliance and mutual assistance was signed in February 1950. " * 3,
    "Khrushchev's 'secret speech' (1956) denounced Stalin " * 120,  # far beyond 256 tokens: truncated
    "a " * 600,
    "\n".join(f"{i}. point number {i}" for i in range(200)),
]


def test_gelu_matches_the_exact_erf_form() -> None:
    x = np.linspace(-12, 12, 20001, dtype=np.float32)
    expected = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(float)])
    assert np.max(np.abs(gelu(x.copy()) - expected)) < 2e-6


def test_the_packaged_model_is_supported_and_others_are_refused(tmp_path: Path) -> None:
    assert supports(resolve_model("all-MiniLM-L6-v2").path) is None
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "xlm-roberta", "hidden_act": "gelu"}))
    assert "not a BERT" in str(supports(tmp_path))
    assert supports(tmp_path / "missing") is not None


def test_weights_are_memory_mapped_views_not_copies() -> None:
    tensors = load_tensors(resolve_model("all-MiniLM-L6-v2").path / SAFETENSORS)
    words = tensors["embeddings.word_embeddings.weight"]
    assert words.shape == (30522, 384) and words.dtype == np.float32
    assert not words.flags.owndata and not words.flags.writeable


def test_the_fast_encoder_stands_in_only_for_the_reference_model() -> None:
    info = resolve_model("all-MiniLM-L6-v2")
    assert isinstance(fast_query_encoder(info.name, None, info.fingerprint), NumpyEmbedder)
    assert fast_query_encoder(info.name, FakeEmbedder(), info.fingerprint) is None
    assert fast_query_encoder(info.name, None, "another-fingerprint") is None


def test_a_fake_embedder_keeps_encoding_the_questions(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    bot = NotesBot(notes, tmp_path / "idx", embedder=fake)
    assert bot.query_encoder is fake


@pytest.mark.model
def test_vectors_match_sentence_transformers() -> None:
    fast = NumpyEmbedder().encode(VARIED)
    reference = SentenceTransformerEmbedder().encode(VARIED)
    assert fast.shape == reference.shape == (len(VARIED), 384)
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    cosines = np.sum(fast * reference, axis=1)
    assert cosines.min() >= 0.999, dict(zip(VARIED, cosines.round(5)))
    one_by_one = np.vstack([NumpyEmbedder().encode([t]) for t in VARIED[:3]])
    assert np.allclose(one_by_one, fast[:3], atol=1e-5)  # padding in a batch changes nothing


@pytest.mark.model
def test_token_vectors_match_sentence_transformers_and_pool_to_the_sentence_vector() -> None:
    texts = [t for t in VARIED if t.strip()][:4]
    fast, reference = NumpyEmbedder().encode_tokens(texts), SentenceTransformerEmbedder().encode_tokens(texts)
    vectors = SentenceTransformerEmbedder().encode(texts)
    for text, a, b, vector in zip(texts, fast, reference, vectors):
        assert a.tokens == b.tokens, text
        assert np.allclose(a.vectors, b.vectors, atol=1e-3), text
        assert float(np.dot(b.pooled(), vector)) > 0.9999 and float(np.dot(a.pooled(), vector)) > 0.999, text


@pytest.mark.model
def test_a_model_that_pools_otherwise_keeps_its_own_sentence_vector(tmp_path: Path) -> None:
    """A local model with [CLS] pooling: the sentence vector of a token pass (what a hybrid question and a
    chunk are embedded with) is the model's, not a mean of the token vectors."""
    packaged = resolve_model("all-MiniLM-L6-v2").path
    folder = tmp_path / "cls-model"
    folder.mkdir()
    for item in packaged.iterdir():
        (folder / item.name).symlink_to(item)
    (folder / "1_Pooling").unlink()
    (folder / "1_Pooling").mkdir()
    pooling = json.loads((packaged / "1_Pooling" / "config.json").read_text())
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps({**pooling, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False})
    )
    assert supports(folder) is not None, "the numpy runtime refuses it: sentence-transformers encodes questions"
    model = SentenceTransformerEmbedder(str(folder))
    question = "why did Mao launch the Great Leap Forward?"
    found = model.encode_tokens([question])[0]
    vector = model.encode([question])[0]
    mean = found.vectors.mean(axis=0) / np.linalg.norm(found.vectors.mean(axis=0))
    assert float(np.dot(found.pooled(), vector)) > 0.9999
    assert float(np.dot(mean, vector)) < 0.99, "mean pooling would be another vector"


@pytest.mark.model
def test_long_texts_are_cut_at_max_seq_length() -> None:
    encoder = NumpyEmbedder()
    assert encoder.config.max_tokens == 256
    long = VARIED[6]
    assert len(encoder._tokenizer.encode(long).ids) == 256
    longer = encoder.encode([long + " and then much more text about other things entirely" * 50])
    assert float(np.dot(encoder.encode([long])[0], longer[0])) > 0.9999


class _Reference:
    """The sentence-transformers embedder under another type, so NotesBot keeps it for questions too;
    it remembers its vectors, as each question is encoded once per search and ask."""

    def __init__(self) -> None:
        self.inner = SentenceTransformerEmbedder()
        self.name, self.fingerprint, self.dim = self.inner.name, self.inner.fingerprint, self.inner.dim
        self.seen: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], progress=None) -> np.ndarray:  # type: ignore[no-untyped-def]
        missing = [t for t in dict.fromkeys(texts) if t not in self.seen]
        if missing:
            self.seen.update(zip(missing, self.inner.encode(missing)))
        return np.vstack([self.seen[t] for t in texts]) if texts else self.inner.encode([])

    def encode_tokens(self, texts: list[str], progress=None) -> list[TokenVectors]:  # type: ignore[no-untyped-def]
        return self.inner.encode_tokens(texts, progress)


@pytest.fixture(scope="module")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped notes indexed with the real model (by the numpy encoder: same name and weights)."""
    folder = tmp_path_factory.mktemp("real")
    NotesBot(ROOT / "corpus", folder / "idx", embedder=NumpyEmbedder()).update()
    return folder / "idx"


@pytest.mark.model
@pytest.mark.parametrize("runtime", ["numpy", "onnxruntime"])
def test_retrieval_and_answers_are_identical_with_either_query_encoder(real_index: Path, runtime: str) -> None:
    reference = NotesBot(ROOT / "corpus", real_index, embedder=_Reference())
    fast = NotesBot(ROOT / "corpus", real_index)
    encoder = fast.query_encoder
    assert isinstance(encoder, QueryEncoder) and not isinstance(reference.query_encoder, NumpyEmbedder)
    encoder.warm_after = None
    if runtime == "onnxruntime":
        assert encoder.upgrade(timeout=300), encoder.upgrade_error
    for question in QUESTIONS:
        for mode in ("hybrid", "dense"):
            got = fast.search(question, k=10, mode=mode)
            want = reference.search(question, k=10, mode=mode)
            assert [(p.source, p.start_line, p.end_line) for p in got] == [
                (p.source, p.start_line, p.end_line) for p in want
            ], (question, mode)
            assert np.allclose([p.score for p in got], [p.score for p in want], atol=1e-5)
        got_answer, want_answer = _split(fast.ask(question).to_dict()), _split(reference.ask(question).to_dict())
        assert got_answer[0] == want_answer[0], question
        assert np.allclose(got_answer[1], want_answer[1], atol=1e-3), question
    assert encoder.runtime == runtime


def _split(answer: dict[str, Any]) -> tuple[dict[str, Any], list[float]]:
    """An answer without its numbers, and its numbers (confidence, passage scores): the vectors agree to
    about 1e-7, but the dict rounds to 4 or 6 decimals, which could flip a last digit."""
    numbers = [answer["confidence"], *(p["score"] for p in answer["passages"])]
    rest = dict(answer, confidence=None, passages=[dict(p, score=None) for p in answer["passages"]])
    return rest, numbers


@pytest.mark.model
def test_a_long_lived_encoder_moves_to_onnx_runtime_with_the_same_vectors() -> None:
    encoder = QueryEncoder(warm_after=2)
    before = encoder.encode(VARIED)
    assert encoder.runtime == "numpy" and encoder._thread is None
    encoder.encode(["the second question starts the upgrade"])
    assert encoder._thread is not None
    assert encoder.upgrade(timeout=300), encoder.upgrade_error
    after = encoder.encode(VARIED)
    assert encoder.runtime == "onnxruntime"
    assert np.allclose(before, after, atol=1e-5)
    assert np.sum(after * SentenceTransformerEmbedder().encode(VARIED), axis=1).min() >= 0.999


def _imports(args: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``python -X importtime -m notesbot ARGS``; the top-level packages it imported."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "notesbot", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
        timeout=300,
    )
    names = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return run, names


def test_help_imports_nothing_heavy() -> None:
    run, names = _imports(["--help"])
    assert run.returncode == 0 and "ask" in run.stdout
    assert not names & {"numpy", *HEAVY}, names & {"numpy", *HEAVY}


@pytest.mark.model
def test_ask_on_a_current_index_imports_no_torch(real_index: Path) -> None:
    args = ["ask", "--corpus", str(ROOT / "corpus"), "--index", str(real_index), "--json"]
    run, names = _imports([*args, "Why did Mao launch the Great Leap Forward?"])
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Indexing" not in run.stderr
    assert json.loads(run.stdout.splitlines()[0])["passages"]
    assert not names & set(HEAVY), names & set(HEAVY)
