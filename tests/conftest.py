"""Shared fixtures: a deterministic fake embedder, temporary corpora and an offline environment."""

from __future__ import annotations

import hashlib
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from notesbot.text import words
from notesbot.types import TokenVectors

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
CHAT_START_TIMEOUT = 600  # seconds: indexing and the first model load on a slow 2-core runner


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def notesbot_command() -> list[str]:
    """The installed `notesbot` console script, or `python -m notesbot` when there is none."""
    script = Path(sys.executable).parent / "notesbot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "notesbot"]


@contextmanager
def chat_server(corpus: Path, index: Path, log: Path) -> Iterator[str]:
    """`notesbot chat` with the real model in a subprocess on a free loopback port: yields its URL, then
    stops it. Its stderr goes to ``log``, which a failed start shows."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTESBOT_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
    where = ["--corpus", str(corpus), "--index", str(index), "--port", str(free_port())]
    with log.open("w") as err:
        proc = subprocess.Popen(
            [*notesbot_command(), "chat", *where], stdout=subprocess.PIPE, stderr=err, text=True, env=env
        )
        try:
            yield _wait_for_url(proc, log)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_for_url(proc: subprocess.Popen[str], log: Path) -> str:
    """The URL `notesbot chat` prints once it serves; fails with its stderr if it dies or takes too long."""
    lines: queue.Queue[str] = queue.Queue()
    stdout = proc.stdout
    assert stdout is not None

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + CHAT_START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        if "running at " in line:
            return line.split("running at ", 1)[1].split()[0]
    pytest.fail(f"notesbot chat did not start:\n{log.read_text(errors='replace')[-3000:]}")


class FakeEmbedder:
    """Hashed bag of words: deterministic, fast, and similar texts get similar vectors."""

    name = "fake"
    fingerprint = "fake-1"
    dim = 64

    def __init__(self) -> None:
        self.calls: list[str] = []

    def encode(self, texts: list[str], progress=None) -> np.ndarray:  # type: ignore[no-untyped-def]
        self.calls.extend(texts)
        out = np.array([self.bag(text) for text in texts], dtype=np.float32).reshape(len(texts), self.dim)
        if progress is not None:
            progress(len(texts))
        return out

    def bag(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in words(text) or ["empty"]:
            vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        return vector / np.linalg.norm(vector)


class TokenFakeEmbedder(FakeEmbedder):
    """The fake embedder with token vectors too: each word a hashed one-hot, between [CLS] and [SEP]."""

    def __init__(self) -> None:
        super().__init__()
        self.token_calls: list[str] = []

    def encode_tokens(self, texts: list[str], progress=None) -> list[TokenVectors]:  # type: ignore[no-untyped-def]
        self.token_calls.extend(texts)
        out = []
        for text in texts:
            tokens = ["[CLS]", *(words(text) or ["empty"]), "[SEP]"]
            vectors = np.full((len(tokens), self.dim), 0.01, dtype=np.float32)
            for row, word in enumerate(tokens):
                vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] = 1.0
            out.append(TokenVectors(tokens, vectors, self.bag(text)))
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
