"""Model resolution: which folder is the model, and the fingerprint that ties an index to its weights."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from notesbot.embedding import resolve_model
from notesbot.errors import ModelError


def _model(folder: Path, weights: bytes) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "config.json").write_text('{"hidden_size": 4}')
    (folder / "model.safetensors").write_bytes(weights)
    return folder


def test_weights_replaced_in_place_by_others_of_the_same_size_change_the_fingerprint(tmp_path: Path) -> None:
    folder = _model(tmp_path / "m", b"a" * 64)
    before = resolve_model(str(folder)).fingerprint
    assert resolve_model(str(folder)).fingerprint == before, "the same files give the same fingerprint"
    weights = folder / "model.safetensors"
    stat = weights.stat()
    weights.write_bytes(b"b" * 64)  # trained again in place: same size
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert resolve_model(str(folder)).fingerprint != before
    (folder / "config.json").write_text('{"hidden_size": 8}')
    assert len({before, resolve_model(str(folder)).fingerprint}) == 2


def test_the_packaged_model_and_a_folder_without_config_json(tmp_path: Path) -> None:
    info = resolve_model("all-MiniLM-L6-v2")
    assert (info.path / "config.json").is_file() and len(info.fingerprint) == 16
    with pytest.raises(ModelError, match="no config.json"):
        resolve_model(str(tmp_path))
