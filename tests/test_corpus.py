"""Corpus loading: file discovery, decoding, warnings and errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from notesbot import corpus
from notesbot.errors import CorpusError

from .conftest import DATA


def test_scan_is_recursive_sorted_and_relative() -> None:
    sources = [n.source for n in corpus.scan(DATA / "tiny")]
    assert sources == ["lecture.md", "outline.txt", "sub/essay.txt"]


def test_missing_and_empty_corpus_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        corpus.load(tmp_path / "nope")
    with pytest.raises(CorpusError, match="no readable"):
        corpus.load(tmp_path)
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(CorpusError, match="not a folder"):
        corpus.load(tmp_path / "f.txt")


def test_unsupported_and_hidden_files_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / ".secret.txt").write_text("hidden")
    (tmp_path / "a.txt").write_text("visible")
    docs, _ = corpus.load(tmp_path)
    assert [d.source for d in docs] == ["a.txt"]


def test_latin1_is_decoded_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_bytes("Café au lait, naïve".encode("latin-1"))
    docs, warnings = corpus.load(tmp_path)
    assert docs[0].text == "Café au lait, naïve"
    assert any("old.txt" in w and "not UTF-8" in w for w in warnings)


def test_binary_file_is_skipped_with_a_warning_naming_it(tmp_path: Path) -> None:
    (tmp_path / "fake.txt").write_bytes(b"\x00\x01\x02binary\x00" * 10)
    (tmp_path / "real.txt").write_text("real note")
    docs, warnings = corpus.load(tmp_path)
    assert [d.source for d in docs] == ["real.txt"]
    assert any("fake.txt" in w and "binary" in w for w in warnings)


def test_bom_utf16_and_line_endings(tmp_path: Path) -> None:
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfline one\r\nline two\rline three")
    (tmp_path / "wide.txt").write_bytes("first\nsecond".encode("utf-16"))
    docs, warnings = corpus.load(tmp_path)
    assert docs[0].text == "line one\nline two\nline three"
    assert docs[1].text == "first\nsecond"
    assert warnings == []


def test_empty_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "full.txt").write_text("content")
    docs, warnings = corpus.load(tmp_path)
    assert [d.source for d in docs] == ["full.txt"]
    assert any("empty.txt" in w for w in warnings)


def test_corrupt_pdf_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 garbage garbage")
    (tmp_path / "ok.txt").write_text("fine")
    docs, warnings = corpus.load(tmp_path)
    assert [d.source for d in docs] == ["ok.txt"]
    assert any("broken.pdf" in w for w in warnings)


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    pdf = _tiny_pdf("Mao launched the Great Leap Forward")
    (tmp_path / "notes.pdf").write_bytes(pdf)
    docs, _ = corpus.load(tmp_path)
    assert "Great Leap Forward" in docs[0].text


def test_symlink_outside_corpus_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "note.txt").write_text("note")
    (root / "link.txt").symlink_to(outside)
    docs, _ = corpus.load(root)
    assert [d.source for d in docs] == ["note.txt"]


def test_shipped_corpus_is_byte_for_byte_the_shared_one() -> None:
    from .conftest import ROOT

    shared = ROOT.parent / "shared" / "corpus"
    if not shared.is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    for path in shared.iterdir():
        assert (ROOT / "corpus" / path.name).read_bytes() == path.read_bytes()


def _tiny_pdf(*pages: str) -> bytes:
    """A PDF with one page per text of ``pages``, written by hand so no PDF writer is needed."""
    n = len(pages)
    kids = " ".join(f"{3 + i} 0 R" for i in range(n)).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n)]
    font = 3 + 2 * n
    for i in range(n):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (3 + n + i, font)
        )
    for text in pages:
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_pdf_with_several_pages_is_read_whole(tmp_path: Path) -> None:
    (tmp_path / "cells.pdf").write_bytes(_tiny_pdf("Cells were named by Hooke", "Mitochondria make ATP"))
    docs, warnings = corpus.load(tmp_path)
    assert warnings == []
    assert "Cells were named by Hooke" in docs[0].text and "Mitochondria make ATP" in docs[0].text


def test_a_pdf_knows_the_line_each_page_starts_on(tmp_path: Path) -> None:
    pages = ("Cells were named by Hooke", "Mitochondria make ATP", "Ribosomes build proteins")
    (tmp_path / "cells.pdf").write_bytes(_tiny_pdf(*pages))
    (doc,), _ = corpus.load(tmp_path)
    lines = doc.text.split("\n")
    assert len(doc.pages) == 3 and doc.pages[0] == 1
    for start, text in zip(doc.pages, pages):
        assert text in lines[start - 1]
    (tmp_path / "plain.txt").write_text("no pages here", encoding="utf-8")
    assert next(d for d in corpus.load(tmp_path)[0] if d.source == "plain.txt").pages == ()


def test_pdf_passages_are_labelled_with_their_pages(tmp_path: Path) -> None:
    """A PDF passage's label adds its page ("cells.pdf:2, p. 2"); the JSON form stays as it is."""
    from notesbot.chunking import chunk_document
    from notesbot.types import Passage

    (tmp_path / "cells.pdf").write_bytes(_tiny_pdf("Cells were named by Hooke", "Mitochondria make ATP"))
    (doc,), _ = corpus.load(tmp_path)
    line_two = doc.pages[1]
    by_line = chunk_document(doc, 20)
    chunk = next(c for c in by_line if c.start_line == line_two)
    assert (chunk.page, chunk.last_page) == (2, 2)
    passage = Passage.from_chunk(chunk, 1.0)
    assert passage.label == f"cells.pdf:{line_two}, p. 2"
    assert "page" not in passage.to_dict() and "last_page" not in passage.to_dict()
    whole = Passage.from_chunk(chunk_document(doc, 1000)[0], 1.0)
    assert whole.pages == "pp. 1-2" and whole.label.endswith(", pp. 1-2")
    assert Passage("t", "notes.txt", 3, 4, None, 1.0).label == "notes.txt:3-4"


def test_a_damaged_pdf_is_one_warning_and_no_library_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7\nnot a pdf at all")
    (tmp_path / "ok.txt").write_text("fine")
    with caplog.at_level(logging.DEBUG):
        _, warnings = corpus.load(tmp_path)
    assert len(warnings) == 1 and "broken.pdf" in warnings[0]
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pypdf")] == []


def test_huge_file_is_skipped_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus, "MAX_FILE_BYTES", 1000)
    (tmp_path / "huge.txt").write_text("word " * 1000)
    (tmp_path / "small.txt").write_text("a small note")
    docs, warnings = corpus.load(tmp_path)
    assert [d.source for d in docs] == ["small.txt"]
    assert any("huge.txt" in w and "too large" in w for w in warnings)
