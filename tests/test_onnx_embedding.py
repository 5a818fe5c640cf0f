"""The int8 index encoder: exported once, hashed, re-exported when damaged, close to the reference vectors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from notesbot.embedding import SentenceTransformerEmbedder, resolve_model
from notesbot.onnx_embedding import META_FILE, MODEL_FILE, OnnxInt8Embedder, export_folder

TEXTS = [
    "Why did Mao launch the Great Leap Forward?",
    "The Sino-Soviet split grew from ideological and national rivalry. " * 40,
    "Khrushchev denounced Stalin in 1956.",
    "",
]


@pytest.mark.model
def test_export_once_hash_check_and_vectors_close_to_the_reference(tmp_path: Path) -> None:
    encoder = OnnxInt8Embedder(cache=tmp_path)
    folder = export_folder(resolve_model("all-MiniLM-L6-v2"), tmp_path)
    meta = json.loads((folder / META_FILE).read_text())
    assert meta["fingerprint"] == encoder.fingerprint and len(meta["sha256"]) == 64
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    cosines = np.sum(vectors * SentenceTransformerEmbedder().encode(TEXTS), axis=1)
    # int8: close, not equal (BENCHMARKS.md shows what that costs in nDCG@10); "" is only [CLS] [SEP], the worst
    assert cosines.min() >= 0.97 and cosines[:3].min() >= 0.985, cosines
    stamp = (folder / MODEL_FILE).stat().st_mtime_ns
    OnnxInt8Embedder(cache=tmp_path)
    assert (folder / MODEL_FILE).stat().st_mtime_ns == stamp  # reused, not exported again
    with (folder / MODEL_FILE).open("r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00" * 16)
    OnnxInt8Embedder(cache=tmp_path)  # damaged: exported again
    assert (folder / MODEL_FILE).stat().st_mtime_ns != stamp
    digest = hashlib.sha256((folder / MODEL_FILE).read_bytes()).hexdigest()
    assert json.loads((folder / META_FILE).read_text())["sha256"] == digest
