"""Find the note files under a folder and decode them into Documents."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG

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
    return sorted((NoteFile(s, Path(p), size, mtime) for s, p, size, mtime in _entries(root)), key=lambda n: n.source)


def stamps(corpus: Path) -> dict[str, tuple[int, int]]:
    """Size and mtime of every file :func:`scan` lists, by relative path: what every question compares
    with the manifest (is the index current?), without building a NoteFile and a Path per file."""
    return {s: (size, mtime) for s, _, size, mtime in _entries(check_corpus_dir(corpus))}


def _entries(root: Path) -> Iterator[tuple[str, str, int, int]]:
    """(relative path, path, size, mtime) of every supported file under the resolved ``root``, in no order.

    Plain files take one stat and no pathlib; only symbolic links are resolved (they must stay inside
    the corpus). Same rules as os.walk without following links: hidden files and folders are skipped,
    unreadable folders are left out."""
    pending = [(str(root), "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()  # follows links, as os.walk's split into folders and files does
            except OSError:
                is_dir = False
            if is_dir:
                if not name.startswith(".") and not entry.is_symlink():
                    pending.append((entry.path, f"{prefix}{name}/"))
                continue
            if name.startswith(".") or os.path.splitext(name)[1].lower() not in SUFFIXES:
                continue
            if entry.is_symlink():
                note = _note_file(root, Path(entry.path))
                if note is not None:
                    yield note.source, entry.path, note.size, note.mtime_ns
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                yield prefix + name, entry.path, -1, -1
                continue
            if S_ISREG(info.st_mode):
                yield prefix + name, entry.path, info.st_size, info.st_mtime_ns


def check_corpus_dir(corpus: Path) -> Path:
    """The resolved corpus folder, or a CorpusError saying what is wrong with it."""
    corpus = Path(corpus)
    if not corpus.exists():
        raise CorpusError(f"notes folder {corpus} does not exist: point corpus= / --corpus at your notes")
    if not corpus.is_dir():
        raise CorpusError(f"{corpus} is not a folder: point corpus= / --corpus at your notes")
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


def file_hash(path: Path) -> str | None:
    """The SHA-256 of the file's bytes, as :func:`read` records it; None when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


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
    pages: tuple[int, ...] = ()
    if note.path.suffix.lower() in PDF_SUFFIXES:
        text, pages, warnings = _pdf_text(note.source, data)
    else:
        text, warnings = decode_text(note.source, data)
    if text is None:
        return None, warnings
    if not text.strip():
        return None, [*warnings, str(Skipped(note.source, "empty file"))]
    return Document(note.source, normalise_newlines(text), digest, pages), warnings


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


def _pdf_text(source: str, data: bytes) -> tuple[str | None, tuple[int, ...], list[str]]:
    """A PDF's text: its pages' text, one after the other, and the line each page starts on."""
    import io

    from pypdf import PdfReader

    try:
        with _quiet("pypdf"):  # its log lines on a damaged file repeat what the warning below says
            reader = PdfReader(io.BytesIO(data))
            pages = [normalise_newlines(page.extract_text() or "") for page in reader.pages]
    except Exception as exc:  # pypdf raises many types on damaged files
        return None, (), [str(Skipped(source, f"unreadable PDF ({type(exc).__name__}: {exc})"))]
    text = "\n".join(pages)
    if not text.strip():
        return None, (), [str(Skipped(source, "PDF has no extractable text (scanned images?)"))]
    starts = [1]
    for page in pages[:-1]:
        starts.append(starts[-1] + page.count("\n") + 1)
    return text, tuple(starts), []


@contextmanager
def _quiet(logger: str) -> Iterator[None]:
    """Hold back a library's log messages below errors while the block runs."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


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


__all__ = ["NoteFile", "Skipped", "check_corpus_dir", "decode_text", "file_hash", "load", "read", "scan", "stamps"]
