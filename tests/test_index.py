"""The index folder: round trip, atomic writes, damage detection, no pickle, the build lock."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from notesbot import NotesBot, index, pipeline
from notesbot.config import DEFAULT_CHUNK_CHARS, Settings
from notesbot.errors import IndexError_, IndexLockedError
from notesbot.late import LATE_DIM, LATE_VERSION

from .conftest import FakeEmbedder, TokenFakeEmbedder


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


class SlowEmbedder(FakeEmbedder):
    """The fake embedder, announcing each encode and taking half a second over it."""

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()

    def encode(self, texts: list[str], progress=None) -> np.ndarray:  # type: ignore[no-untyped-def]
        self.started.set()
        time.sleep(0.5)
        return super().encode(texts, progress)


def test_a_question_waits_for_another_build_and_uses_its_index(notes: Path, tmp_path: Path) -> None:
    NotesBot(notes, tmp_path / "idx", embedder=FakeEmbedder()).update()
    essay = notes / "sino-soviet-alliance-origins-essay.txt"
    essay.write_text(essay.read_text() + "\n\nStalin died in March 1953.\n")
    slow = SlowEmbedder()
    builder = threading.Thread(target=NotesBot(notes, tmp_path / "idx", embedder=slow).update)
    builder.start()
    assert slow.started.wait(30)  # the builder holds the lock while it embeds
    asker, waited = NotesBot(notes, tmp_path / "idx", embedder=FakeEmbedder()), []
    built = asker.ensure_index(waiting=lambda: waited.append(time.monotonic()))
    builder.join()
    assert len(waited) == 1
    assert asker.last_report is not None and asker.last_report.embedded == 0  # the builder's index, not its own
    assert any("Stalin died" in c.text for c in built.chunks)
    assert any("Stalin died" in p.text for p in asker.search("When did Stalin die?", k=3, mode="bm25"))


def test_a_question_gives_up_after_the_wait_limit(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    bot = NotesBot(notes, tmp_path / "idx", settings=Settings(lock_wait=0.3), embedder=fake)
    waited: list[float] = []
    start = time.monotonic()
    with index.lock(tmp_path / "idx"), pytest.raises(IndexLockedError, match=r"\(waited 0.3 s\); wait for it"):
        bot.ensure_index(waiting=lambda: waited.append(time.monotonic()))
    assert len(waited) == 1 and time.monotonic() - start >= 0.3
    assert fake.calls == []


def test_an_index_path_that_is_a_file_is_a_clear_error(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    path = tmp_path / "somefile"
    path.write_text("not an index")
    bot = NotesBot(notes, path, embedder=fake)
    for call in (bot.is_current, bot.update, bot.ensure_index, lambda: bot.ask("Great Leap Forward")):
        with pytest.raises(IndexError_, match=f"the index path {path} is a file, not a folder: "):
            call()
    with pytest.raises(IndexError_, match="is a file, not a folder"), index.lock(path):
        pass
    assert path.read_text() == "not an index"


def test_an_index_path_inside_a_file_is_a_clear_error(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    (tmp_path / "somefile").write_text("not a folder")
    with pytest.raises(IndexError_, match="cannot create the index folder"):
        NotesBot(notes, tmp_path / "somefile" / "idx", embedder=fake).update()


def test_token_vectors_are_stored_checked_and_reused(notes: Path, tmp_path: Path) -> None:
    embedder = TokenFakeEmbedder()
    bot = NotesBot(notes, tmp_path / "idx", embedder=embedder)
    bot.update()
    idx = index.load(tmp_path / "idx")
    assert idx.has_tokens and idx.manifest.chunker["late"] == LATE_VERSION
    assert idx.contents.token_vectors.dtype == np.int8 and idx.contents.token_vectors.shape[1] == LATE_DIM
    assert len(idx.contents.token_vectors) == sum(idx.contents.token_counts)
    assert len(embedder.token_calls) == len(idx.chunks), "one token pass per chunk text"
    assert not set(embedder.token_calls) & set(embedder.calls), "which gives the chunk's vector too"
    texts = bot.ensure_index().contents.texts  # what each chunk embeds (the built index keeps them)
    assert len(texts) == len(idx.chunks)
    assert np.allclose(idx.vectors, [embedder.bag(t) for t in texts]), "each chunk its own vector"
    before = {
        k: idx.contents.token_vectors[idx.token_offsets[i] : idx.token_offsets[i + 1]].copy()
        for i, k in enumerate(idx.keys)
    }
    essay = next(p for p in notes.iterdir() if "essay" in p.name)
    essay.write_text(essay.read_text(encoding="utf-8") + "\nA new closing line about Manchuria.\n", encoding="utf-8")
    embedder.token_calls.clear()
    bot.update()
    after = index.load(tmp_path / "idx")
    assert 0 < len(embedder.token_calls) <= sum(c.source == essay.name for c in after.chunks), "only the essay's"
    for i, key in enumerate(after.keys):
        if key in before:
            rows = after.contents.token_vectors[after.token_offsets[i] : after.token_offsets[i + 1]]
            assert np.array_equal(rows, before[key]), "unchanged chunks keep their stored tokens"
    tokens_file = tmp_path / "idx" / after.manifest.data / index.TOKENS_FILE
    tokens_file.write_bytes(tokens_file.read_bytes()[:200])
    with pytest.raises(IndexError_):
        index.load(tmp_path / "idx")


def test_an_embedder_without_token_vectors_builds_an_index_without_them(
    notes: Path, tmp_path: Path, fake: FakeEmbedder
) -> None:
    idx = NotesBot(notes, tmp_path / "idx", embedder=fake).ensure_index()
    assert not idx.has_tokens and idx.manifest.chunker["late"] == LATE_VERSION
    assert not (tmp_path / "idx" / idx.manifest.data / index.TOKENS_FILE).exists()


def test_token_vectors_are_the_same_built_a_slice_at_a_time(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = NotesBot(notes, tmp_path / "whole", embedder=TokenFakeEmbedder()).ensure_index()
    monkeypatch.setattr(pipeline, "TOKEN_SLICE", 4)
    embedder = TokenFakeEmbedder()
    sliced = NotesBot(notes, tmp_path / "sliced", embedder=embedder).ensure_index()
    assert len(whole.chunks) > 8 and len(embedder.token_calls) == len(sliced.chunks)
    assert np.array_equal(whole.contents.token_vectors, sliced.contents.token_vectors)
    assert np.array_equal(whole.vectors, sliced.vectors)
