"""Hostile input: bad questions, messy note folders, crashes mid-build. Nothing is lost, nothing crashes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from notesbot import NotesBot, corpus
from notesbot.errors import CorpusError, QuestionError

from .conftest import ROOT, FakeEmbedder


@pytest.mark.parametrize(
    "question",
    [
        "???",
        "!!! ... ,,,",
        "毛泽东为什么发动大跃进?",
        "🤔🤔🤔",
        "mao\x00\x07 and k\x1b[31m",
        "Тайвань?",
        "why " * 250_000,
    ],
)
def test_odd_questions_get_an_answer_or_an_abstention(
    question: str, notes: Path, tmp_path: Path, fake: FakeEmbedder
) -> None:
    result = NotesBot(notes, tmp_path / "idx", embedder=fake).ask(question)
    assert result.abstained or result.answer
    assert "\x00" not in result.question and "\x1b" not in result.question
    if len(question) > 100_000:
        assert len(result.question) <= 2000 and any("cut" in n for n in result.notices)


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "\x00\x00"])
def test_empty_questions_are_refused(question: str, notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    with pytest.raises(QuestionError, match="empty"):
        NotesBot(notes, tmp_path / "idx", embedder=fake).ask(question)


def test_folder_of_unsupported_files_is_a_clear_error(tmp_path: Path, fake: FakeEmbedder) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "slides.pptx").write_bytes(b"PK")
    with pytest.raises(CorpusError, match="no readable"):
        NotesBot(tmp_path / "notes", tmp_path / "idx", embedder=fake).update()


def test_messy_folder_indexes_the_good_files_with_right_citations(tmp_path: Path, fake: FakeEmbedder) -> None:
    root = tmp_path / "notes"
    (root / "deep").mkdir(parents=True)
    (root / "crlf.txt").write_bytes(b"first line\r\nsecond line about Taiwan\r\nthird line")
    (root / "cr.txt").write_bytes(b"alpha\rbeta about rubber rings\rgamma")
    (root / "latin.txt").write_bytes("caf\xe9 notes about Khrushchev".encode("latin-1"))
    (root / "wide.txt").write_bytes("line one\nline two about Stalin".encode("utf-16"))
    (root / "bom.md").write_bytes(b"\xef\xbb\xbf# Title\n\nbody about Mao")
    (root / "empty.txt").write_bytes(b"")
    (root / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (root / "broken.pdf").write_bytes(b"%PDF-1.7\n%%EOF")
    (root / "deep" / "loop").symlink_to(root, target_is_directory=True)
    (root / "a.txt").symlink_to(root / "b.txt")
    (root / "b.txt").symlink_to(root / "a.txt")
    bot = NotesBot(root, tmp_path / "idx", embedder=fake)
    report = bot.update()
    for name in ("empty.txt", "binary.txt", "broken.pdf", "a.txt", "b.txt"):
        assert any(name in w for w in report.warnings), name
    sources = {c.source for c in bot.ensure_index().chunks}
    assert sources == {"crlf.txt", "cr.txt", "latin.txt", "wide.txt", "bom.md"}
    for passage in bot.search("Taiwan rubber rings", k=20, mode="bm25"):
        raw = (root / passage.source).read_bytes()
        doc, _ = corpus.read(next(n for n in corpus.scan(root) if n.source == passage.source))
        assert doc is not None
        lines = doc.text.split("\n")
        assert passage.text in "\n".join(lines[passage.start_line - 1 : passage.end_line])
        assert len(corpus.normalise_newlines(raw.decode("latin-1")).split("\n")) == len(lines)
    taiwan = bot.search("Taiwan", k=1, mode="bm25")[0]
    assert (taiwan.source, taiwan.start_line) == ("crlf.txt", 1)
    assert "second line about Taiwan" in taiwan.text


def test_file_vanishing_while_indexing_is_skipped(
    tmp_path: Path, fake: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "notes"
    root.mkdir()
    (root / "stays.txt").write_text("this note stays")
    (root / "goes.txt").write_text("this note goes")
    real_scan = corpus.scan

    def scan_then_delete(folder: Path) -> list[corpus.NoteFile]:
        found = real_scan(folder)
        (root / "goes.txt").unlink(missing_ok=True)
        return found

    monkeypatch.setattr(corpus, "scan", scan_then_delete)
    report = NotesBot(root, tmp_path / "idx", embedder=fake).update()
    assert any("goes.txt" in w and "cannot be read" in w for w in report.warnings)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file whatever its permissions")
def test_unreadable_file_is_skipped(tmp_path: Path, fake: FakeEmbedder) -> None:
    root = tmp_path / "notes"
    root.mkdir()
    (root / "ok.txt").write_text("fine")
    secret = root / "secret.txt"
    secret.write_text("hidden")
    secret.chmod(0)
    report = NotesBot(root, tmp_path / "idx", embedder=fake).update()
    assert any("secret.txt" in w for w in report.warnings)


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from tests.conftest import FakeEmbedder
    from notesbot import NotesBot, index

    class Slow(FakeEmbedder):
        def encode(self, texts, progress=None):
            time.sleep(0.02)
            return super().encode(texts, progress)

    if sys.argv[1] == "write":
        real = index._write_npy
        def slow_write(path, array):
            real(path, array)
            print("writing", flush=True)
            time.sleep(30)
        index._write_npy = slow_write
    bot = NotesBot(sys.argv[2], sys.argv[3], embedder=Slow())
    print("start", flush=True)
    bot.update()
    """
)


@pytest.mark.parametrize("moment", ["embed", "write"])
def test_sigkill_mid_build_keeps_the_previous_index(
    moment: str, notes: Path, tmp_path: Path, fake: FakeEmbedder
) -> None:
    before = NotesBot(notes, tmp_path / "idx", embedder=fake).ask("Taiwan nuclear", k=3).to_dict()
    (notes / "extra.txt").write_text("\n\n".join(f"Paragraph {i} about rubber rings and pools." for i in range(300)))
    script = tmp_path / "build.py"
    script.write_text(KILL_SCRIPT.format(root=str(ROOT)))
    proc = subprocess.Popen(
        [sys.executable, str(script), moment, str(notes), str(tmp_path / "idx")], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    wanted = "writing" if moment == "write" else "start"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.stdout.readline().strip() != wanted:
        pass
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    (notes / "extra.txt").unlink()
    after = NotesBot(notes, tmp_path / "idx", embedder=fake)
    assert after.is_current()
    assert after.ask("Taiwan nuclear", k=3).to_dict() == before
