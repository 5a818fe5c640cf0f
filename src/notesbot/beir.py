"""Read a BEIR-format dataset and lay its corpus out as note files, one per document."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}")


@dataclass(frozen=True)
class BeirDataset:
    """A BEIR dataset: documents (id -> title, text), the split's queries and their graded judgements."""

    name: str
    docs: dict[str, tuple[str, str]]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def load(folder: str | Path, split: str = "test") -> BeirDataset:
    """The corpus and the queries judged in ``qrels/<split>.tsv`` (those with a relevant document)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"BEIR folder {folder} does not exist: pass the folder holding corpus.jsonl")
    qrels = read_qrels(_qrels_path(folder, split))
    queries = read_queries(folder / "queries.jsonl")
    missing = sorted(set(qrels) - set(queries))
    if missing:
        raise CorpusError(f"{len(missing)} judged queries are not in {folder / 'queries.jsonl'}, e.g. {missing[0]}")
    return BeirDataset(folder.resolve().name, read_corpus(folder), {q: queries[q] for q in sorted(qrels)}, qrels)


def _qrels_path(folder: Path, split: str) -> Path:
    path = folder / "qrels" / f"{split}.tsv"
    if not path.is_file():
        found = sorted(p.stem for p in (folder / "qrels").glob("*.tsv"))
        raise CorpusError(
            f"no judgements {path}: use split= / --split with one of {', '.join(found) or 'nothing found'}"
        )
    return path


def _jsonl(path: Path) -> Iterator[dict[str, object]]:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if line.strip():
                    yield _record(path, number, line)
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise CorpusError(f"{path} cannot be read ({exc})") from None


def _record(path: Path, number: int, line: str) -> dict[str, object]:
    try:
        record = json.loads(line)
    except ValueError:
        raise CorpusError(f"{path}:{number} is not valid JSON") from None
    if not isinstance(record, dict) or "_id" not in record:
        raise CorpusError(f"{path}:{number} has no _id")
    return record


def read_corpus(folder: Path) -> dict[str, tuple[str, str]]:
    """Document id -> (title, text) from ``corpus.jsonl`` or ``corpus.jsonl.gz``."""
    for name in ("corpus.jsonl", "corpus.jsonl.gz"):
        if (folder / name).is_file():
            return {str(r["_id"]): (str(r.get("title") or ""), str(r.get("text") or "")) for r in _jsonl(folder / name)}
    raise CorpusError(f"no corpus.jsonl or corpus.jsonl.gz in {folder}")


def read_queries(path: Path) -> dict[str, str]:
    """Query id -> text."""
    if not path.is_file():
        raise CorpusError(f"no queries file {path}")
    return {str(r["_id"]): str(r.get("text") or "") for r in _jsonl(path)}


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """Query id -> {document id: grade} for grades above 0; the header line is skipped."""
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split("\t")
        if len(fields) < 3 or (number == 1 and not fields[2].strip().lstrip("-").isdigit()):
            continue
        grade = int(fields[2])
        if grade > 0:
            qrels.setdefault(fields[0].strip(), {})[fields[1].strip()] = grade
    if not qrels:
        raise CorpusError(f"{path} has no relevance judgements (lines of query-id, corpus-id, score)")
    return qrels


def note_text(title: str, text: str) -> str:
    """What a document's note file holds: the title, a blank line, then the text."""
    return f"{title.strip()}\n\n{text.strip()}\n" if title.strip() else f"{text.strip()}\n"


def file_name(doc_id: str) -> str:
    """A safe file name for a document id: the id itself when it is plain, else a hash of it."""
    if SAFE_ID.fullmatch(doc_id):
        return f"{doc_id}.txt"
    return f"id-{hashlib.sha256(doc_id.encode()).hexdigest()[:20]}.txt"


def write_notes(dataset: BeirDataset, folder: Path) -> dict[str, str]:
    """Write one note file per document (only those whose text changed); returns file name -> document id."""
    folder.mkdir(parents=True, exist_ok=True)
    sources: dict[str, str] = {}
    for doc_id, (title, text) in dataset.docs.items():
        name = file_name(doc_id)
        sources[name] = doc_id
        data = note_text(title, text).encode("utf-8")
        path = folder / name
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
    for stale in folder.glob("*.txt"):
        if stale.name not in sources:
            stale.unlink()
    return sources


__all__ = ["BeirDataset", "file_name", "load", "note_text", "read_corpus", "read_qrels", "read_queries", "write_notes"]
