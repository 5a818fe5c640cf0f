"""The index folder: round trip, atomic writes, damage detection, no pickle, the build lock."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from notesbot import NotesBot, index
from notesbot.config import DEFAULT_CHUNK_CHARS
from notesbot.errors import IndexError_, IndexLockedError

from .conftest import FakeEmbedder


def _built(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> NotesBot:
    bot = NotesBot(notes, tmp_path / "idx", embedder=fake)
    bot.update()
    return bot


def test_round_trip_and_self_description(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    bot = _built(notes, tmp_path, fake)
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["format_version"] == 1
    assert manifest["model"] == {"name": "fake", "fingerprint": "fake-1", "dim": 64}
    assert manifest["chunker"]["max_chars"] == DEFAULT_CHUNK_CHARS
    assert set(manifest["files"]) == {p.name for p in notes.iterdir()}
    assert all(len(f["sha256"]) == 64 for f in manifest["files"].values())
    loaded = index.load(tmp_path / "idx")
    assert loaded.chunks == bot.ensure_index().chunks
    assert np.array_equal(np.asarray(loaded.vectors), np.asarray(bot.ensure_index().vectors))


def test_crash_while_writing_leaves_the_previous_index(
    notes: Path, tmp_path: Path, fake: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = _built(notes, tmp_path, fake)
    before = bot.ask("Great Leap Forward", k=3).to_dict()
    manifest_before = (tmp_path / "idx" / "manifest.json").read_bytes()
    (notes / "new.txt").write_text("A brand new note about rubber rings.")

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt("simulated crash mid-write")

    monkeypatch.setattr(index, "_write_data", crash)
    with pytest.raises(KeyboardInterrupt):
        NotesBot(notes, tmp_path / "idx", embedder=fake).update()
    assert (tmp_path / "idx" / "manifest.json").read_bytes() == manifest_before
    (notes / "new.txt").unlink()
    again = NotesBot(notes, tmp_path / "idx", embedder=fake)
    assert again.ask("Great Leap Forward", k=3).to_dict() == before


def test_stale_temporary_folders_are_cleaned(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    _built(notes, tmp_path, fake)
    (tmp_path / "idx" / ".tmp-data-dead").mkdir()
    (notes / "extra.txt").write_text("more notes")
    NotesBot(notes, tmp_path / "idx", embedder=fake).update()
    names = {p.name for p in (tmp_path / "idx").iterdir()}
    assert not any(n.startswith(".tmp-") for n in names)
    assert len([n for n in names if n.startswith("data-")]) == 1


@pytest.mark.parametrize(
    "part", ["chunks.jsonl", "vectors.npy", "faiss.index", "glossary.json", "bm25/params.index.json"]
)
@pytest.mark.parametrize("damage", ["truncate", "garbage", "delete"])
def test_damaged_parts_are_detected(notes: Path, tmp_path: Path, fake: FakeEmbedder, part: str, damage: str) -> None:
    _built(notes, tmp_path, fake)
    manifest = index.read_manifest(tmp_path / "idx")
    assert manifest is not None
    target = tmp_path / "idx" / manifest.data / part
    if damage == "delete":
        target.unlink()
    elif damage == "truncate":
        target.write_bytes(target.read_bytes()[: max(1, target.stat().st_size // 3)])
    else:
        target.write_bytes(b"\x00garbage" * 50)
    with pytest.raises(IndexError_):
        index.load(tmp_path / "idx")


def test_damaged_index_is_rebuilt_with_a_notice(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    bot = _built(notes, tmp_path, fake)
    expected = bot.ask("nuclear programme", k=2).to_dict()
    (tmp_path / "idx" / "manifest.json").write_text("{not json")
    fresh = NotesBot(notes, tmp_path / "idx", embedder=fake)
    report = fresh.update()
    assert any("cannot be used" in n for n in report.notices)
    assert fresh.ask("nuclear programme", k=2).to_dict() == expected


def test_vectors_are_never_unpickled(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    _built(notes, tmp_path, fake)
    manifest = index.read_manifest(tmp_path / "idx")
    assert manifest is not None
    target = tmp_path / "idx" / manifest.data / "vectors.npy"
    np.save(target, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(IndexError_):
        index.load(tmp_path / "idx")


def test_second_builder_gets_a_clear_lock_error(tmp_path: Path) -> None:
    folder = tmp_path / "idx"
    with index.lock(folder), pytest.raises(IndexLockedError, match="another notesbot process"), index.lock(folder):
        pass
