"""Find the note files under a folder and decode them into Documents."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .config import MAX_FILE_BYTES, PDF_SUFFIXES, TEXT_SUFFIXES
from .errors import CorpusError
from .types import Document

SUFFIXES = TEXT_SUFFIXES + PDF_SUFFIXES


@dataclass(frozen=True)
class NoteFile:
    """A candidate note file: its path relative to the corpus, and its size and mtime."""

    source: str
    path: Path
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Skipped:
    """A file left out of the index, and why."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"skipped {self.source}: {self.reason}"


def scan(corpus: Path) -> list[NoteFile]:
    """Every supported file under ``corpus``, recursively, sorted by relative path."""
    root = check_corpus_dir(corpus)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            path = Path(dirpath) / name
            if name.startswith(".") or path.suffix.lower() not in SUFFIXES:
                continue
            note = _note_file(root, path)
            if note is not None:
                found.append(note)
    return sorted(found, key=lambda n: n.source)


def check_corpus_dir(corpus: Path) -> Path:
    """The resolved corpus folder, or a CorpusError saying what is wrong with it."""
    corpus = Path(corpus)
    if not corpus.exists():
        raise CorpusError(f"notes folder {corpus} does not exist: pass --corpus DIR with your notes")
    if not corpus.is_dir():
        raise CorpusError(f"{corpus} is not a folder: pass --corpus DIR with your notes")
    return corpus.resolve()


def _note_file(root: Path, path: Path) -> NoteFile | None:
    try:
        real = path.resolve(strict=True)
        if not real.is_relative_to(root) or not real.is_file():
            return None
        stat = real.stat()
    except (OSError, RuntimeError):
        return NoteFile(path.relative_to(root).as_posix(), path, -1, -1)
    return NoteFile(path.relative_to(root).as_posix(), path, stat.st_size, stat.st_mtime_ns)


def read(note: NoteFile) -> tuple[Document | None, list[str]]:
    """Decode one file; returns the Document (or None when skipped) and any warnings."""
    if not _utf8(note.source):  # the index, its JSON files and the terminal hold names as UTF-8
        return None, [str(Skipped(_shown(note.source), "its name is not valid UTF-8: rename the file"))]
    if note.size > MAX_FILE_BYTES:
        return None, [
            str(
                Skipped(
                    note.source,
                    f"too large ({note.size / 1e6:.0f} MB; the limit is "
                    f"{MAX_FILE_BYTES / 1e6:.0f} MB): split it into smaller files",
                )
            )
        ]
    try:
        data = note.path.read_bytes()
    except OSError as exc:
        return None, [str(Skipped(note.source, f"cannot be read ({exc.strerror or exc})"))]
    digest = hashlib.sha256(data).hexdigest()
    if note.path.suffix.lower() in PDF_SUFFIXES:
        text, warnings = _pdf_text(note.source, data)
    else:
        text, warnings = decode_text(note.source, data)
    if text is None:
        return None, warnings
    if not text.strip():
        return None, [*warnings, str(Skipped(note.source, "empty file"))]
    return Document(note.source, normalise_newlines(text), digest), warnings


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(name: str) -> str:
    """A file name that os.walk could not decode, with its raw bytes shown as \\xNN."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


def decode_text(source: str, data: bytes) -> tuple[str | None, list[str]]:
    """Text from bytes: BOM-aware UTF-8/UTF-16, then cp1252/Latin-1 with a warning."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec), []
            except UnicodeDecodeError:
                break
    if b"\x00" in data[:8192]:
        return None, [str(Skipped(source, "looks binary (NUL bytes), not text"))]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    for codec in ("cp1252", "latin-1"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        return text, [f"{source} is not UTF-8: decoded as {codec}"]
    return None, [str(Skipped(source, "cannot be decoded"))]  # pragma: no cover - latin-1 decodes anything


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _pdf_text(source: str, data: bytes) -> tuple[str | None, list[str]]:
    import io

    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many types on damaged files
        return None, [str(Skipped(source, f"unreadable PDF ({type(exc).__name__}: {exc})"))]
    text = "\n".join(pages)
    if not text.strip():
        return None, [str(Skipped(source, "PDF has no extractable text (scanned images?)"))]
    return text, []


def load(corpus: Path) -> tuple[list[Document], list[str]]:
    """All readable documents under ``corpus`` and the warnings about the rest."""
    documents, warnings = [], []
    for note in scan(corpus):
        doc, notes = read(note)
        warnings.extend(notes)
        if doc is not None:
            documents.append(doc)
    if not documents:
        raise CorpusError(f"no readable .txt, .md or .pdf notes in {corpus}: add some notes there")
    return documents, warnings


__all__ = ["NoteFile", "Skipped", "check_corpus_dir", "decode_text", "load", "read", "scan"]
