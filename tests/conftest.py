"""Shared fixtures: a deterministic fake embedder, temporary corpora and an offline environment."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from notesbot.text import words

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"


class FakeEmbedder:
    """Hashed bag of words: deterministic, fast, and similar texts get similar vectors."""

    name = "fake"
    fingerprint = "fake-1"
    dim = 64

    def __init__(self) -> None:
        self.calls: list[str] = []

    def encode(self, texts: list[str], progress=None) -> np.ndarray:  # type: ignore[no-untyped-def]
        self.calls.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text) or ["empty"]:
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        if progress is not None:
            progress(len(texts))
        return out


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches a model hub, and no NOTESBOT_* setting leaks in from the shell."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    for name in ("NOTESBOT_CORPUS", "NOTESBOT_INDEX", "NOTESBOT_MODEL", "NOTESBOT_K", "NOTESBOT_MODE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    """A writable copy of the shipped notes."""
    target = tmp_path / "corpus"
    shutil.copytree(SHIPPED, target)
    return target


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every NotesBot built in this test use the fake embedder instead of the real model."""
    import notesbot.pipeline as pipeline

    shared = FakeEmbedder()
    monkeypatch.setattr(pipeline, "SentenceTransformerEmbedder", lambda name=None: shared)
    monkeypatch.setattr(pipeline.NotesBot, "model_identity", lambda self: {"name": "fake", "fingerprint": "fake-1"})
