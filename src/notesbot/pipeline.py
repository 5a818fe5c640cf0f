"""Wire the layers together: build or update the index from the notes, and answer questions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import answer as answering
from . import chunking, corpus, glossary, index, retrieval
from .config import MAX_QUESTION_CHARS, Settings, check_k, check_mode, settings_from_env
from .embedding import Embedder, SentenceTransformerEmbedder, resolve_model
from .errors import CorpusError, IndexError_, QuestionError
from .index import FileEntry, Index, Manifest
from .text import content_hash
from .types import Answer, Chunk, Passage

Progress = Callable[[int, int], None]


@dataclass
class BuildReport:
    """What an index update did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    embedded: int = 0
    reused: int = 0
    chunks: int = 0
    rebuilt: bool = False
    notices: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.rebuilt)

    def summary(self) -> str:
        return (
            f"{self.chunks} chunks from {self.unchanged + len(self.added) + len(self.changed)} files: "
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed; "
            f"{self.embedded} chunks embedded, {self.reused} reused"
        )


class NotesBot:
    """Ask questions of a folder of notes: ``NotesBot(corpus="corpus").ask("...")``."""

    def __init__(
        self,
        corpus: str | Path | None = None,
        index: str | Path | None = None,
        model: str | None = None,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        base = settings or settings_from_env()
        self.settings = base.with_(
            corpus=Path(corpus) if corpus is not None else None,
            index=Path(index) if index is not None else None,
            model=model,
        )
        self._embedder = embedder
        self._index: Index | None = None
        self.last_report: BuildReport | None = None

    # -- models -------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = SentenceTransformerEmbedder(self.settings.model)
        return self._embedder

    @property
    def query_encoder(self) -> Embedder:
        """What encodes questions: the same model as the index (a faster runtime may stand in)."""
        return self.embedder

    def model_identity(self) -> dict[str, object]:
        if self._embedder is not None:
            return {"name": self._embedder.name, "fingerprint": self._embedder.fingerprint}
        info = resolve_model(self.settings.model)
        return {"name": info.name, "fingerprint": info.fingerprint}

    def chunker(self) -> dict[str, object]:
        return chunking.chunker_params(self.settings.chunk_chars)

    # -- indexing -----------------------------------------------------------------------
    def update(self, progress: Progress | None = None, force: bool = False) -> BuildReport:
        """Bring the index up to date with the notes, embedding only new or changed chunks."""
        with index.lock(self.settings.index):
            report = BuildReport()
            old = None if force else self._compatible_index(report)
            self._index = self._build(old, report, progress)
            self.last_report = report
            return report

    def _compatible_index(self, report: BuildReport) -> Index | None:
        """The existing index when it can be updated in place; None (with a notice) otherwise."""
        try:
            manifest = index.read_manifest(self.settings.index)
            reason = self._mismatch(manifest) if manifest else None
            if manifest is None or reason:
                if reason:
                    report.notices.append(f"the index was built with {reason}: rebuilding it")
                report.rebuilt = manifest is not None
                return None
            return index.load(self.settings.index)
        except IndexError_ as exc:
            report.notices.append(f"the index cannot be used ({exc}): rebuilding it from the notes")
            report.rebuilt = True
            return None

    def _mismatch(self, manifest: Manifest) -> str | None:
        identity = self.model_identity()
        if {k: manifest.model.get(k) for k in identity} != identity:
            return f"another model ({manifest.model.get('name')})"
        if manifest.chunker != self.chunker():
            return "other chunker settings"
        return None

    def _build(self, old: Index | None, report: BuildReport, progress: Progress | None) -> Index:
        notes = corpus.scan(self.settings.corpus)
        old_files = old.manifest.files if old else {}
        old_chunks = _by_source(old) if old else {}
        files: dict[str, FileEntry] = {}
        chunks: list[Chunk] = []
        for note in notes:
            entry = old_files.get(note.source)
            if entry and (entry.size, entry.mtime_ns) == (note.size, note.mtime_ns):
                files[note.source] = entry
                chunks.extend(old_chunks.get(note.source, []))
                report.unchanged += 1
                continue
            doc, warnings = corpus.read(note)
            report.warnings.extend(warnings)
            if doc is None:
                continue
            files[note.source] = FileEntry(doc.sha256, note.size, note.mtime_ns)
            if entry and entry.sha256 == doc.sha256:
                chunks.extend(old_chunks.get(note.source, []))
                report.unchanged += 1
                continue
            (report.changed if entry else report.added).append(note.source)
            chunks.extend(chunking.chunk_document(doc, self.settings.chunk_chars))
        report.removed = sorted(set(old_files) - set(files))
        if not files:
            raise CorpusError(f"no readable .txt, .md or .pdf notes in {self.settings.corpus}: add some notes there")
        extra = self._extra_files()
        if old is not None and not report.changed_anything and files == old_files and extra == old.manifest.extra_files:
            report.reused, report.chunks = len(chunks), len(chunks)
            return old
        return self._save(old, files, chunks, report, progress)

    def _extra_files(self) -> dict[str, list[int]]:
        """Size and mtime of the user's glossary file, which also shapes the index."""
        path = Path(self.settings.corpus) / glossary.GLOSSARY_FILE
        if not path.is_file():
            return {}
        stat = path.stat()
        return {glossary.GLOSSARY_FILE: [stat.st_size, stat.st_mtime_ns]}

    def learn_glossary(self, chunks: list[Chunk]) -> glossary.Glossary:
        """The glossary learned from the chunks' text, corrected by the user's glossary.toml."""
        texts: dict[str, list[str]] = {}
        for chunk in chunks:
            texts.setdefault(chunk.source, []).append(chunk.text)
        vocabulary = glossary.load_vocabulary(resolve_model(self.settings.model).path)
        learned = glossary.learn({s: "\n".join(t) for s, t in texts.items()}, vocabulary)
        return glossary.merge(learned, glossary.read_user_file(self.settings.corpus))

    def _save(self, old: Index | None, files: dict[str, FileEntry], chunks: list[Chunk],
              report: BuildReport, progress: Progress | None) -> Index:
        fingerprint = str(self.model_identity()["fingerprint"])
        terms = self.learn_glossary(chunks)
        expanded = [terms.expand(c.embed_text) for c in chunks]
        keys = [content_hash(fingerprint + "\0" + t) for t in expanded]
        cache = {key: row for row, key in enumerate(old.keys)} if old else {}
        missing = sorted({k for k in keys if k not in cache})
        texts = dict(zip(keys, expanded))
        fresh = self._embed([texts[k] for k in missing], progress)
        dim = fresh.shape[1] if len(missing) else int(old.vectors.shape[1]) if old else self.embedder.dim
        vectors = np.zeros((len(chunks), dim), dtype=np.float32)
        where = {k: i for i, k in enumerate(missing)}
        for row, key in enumerate(keys):
            vectors[row] = fresh[where[key]] if key in where else old.vectors[cache[key]]  # type: ignore[union-attr]
        report.embedded, report.reused, report.chunks = len(missing), len(chunks) - len(missing), len(chunks)
        model = {**self.model_identity(), "dim": dim}
        manifest = Manifest(model, self.chunker(), files, "", len(chunks), warnings=report.warnings,
                            extra_files=self._extra_files())
        return index.save(self.settings.index, manifest, chunks, keys, vectors, expanded, terms.to_dict())

    def _embed(self, texts: list[str], progress: Progress | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        done = [0]

        def step(n: int) -> None:
            done[0] += n
            if progress is not None:
                progress(done[0], len(texts))

        return self.embedder.encode(texts, progress=step)

    def is_current(self) -> bool:
        """True when the index exists, matches this model and chunker, and no note changed on disk."""
        try:
            manifest = index.read_manifest(self.settings.index)
        except IndexError_:
            return False
        if manifest is None or self._mismatch(manifest):
            return False
        seen = {n.source: (n.size, n.mtime_ns) for n in corpus.scan(self.settings.corpus)}
        known = {s: (e.size, e.mtime_ns) for s, e in manifest.files.items()}
        return seen == known and self._extra_files() == manifest.extra_files

    def ensure_index(self, progress: Progress | None = None) -> Index:
        """The loaded index, built or updated first when it is missing or stale."""
        if self.is_current():
            if self._index is None or self._index.manifest.data != _manifest_data(self.settings.index):
                try:
                    self._index = index.load(self.settings.index)
                except IndexError_:
                    self.update(progress)
        else:
            self.update(progress)
        assert self._index is not None
        return self._index

    # -- asking -------------------------------------------------------------------------
    def search(self, question: str, k: int | None = None, mode: str | None = None,
               sources: list[str] | None = None) -> list[Passage]:
        """The top ``k`` passages for ``question`` under ``mode``, best first (no answer composed)."""
        question, _ = clean_question(question)
        k = check_k(k or self.settings.k)
        mode = check_mode(mode or self.settings.mode)
        idx = self.ensure_index()
        expanded = glossary.Glossary.from_dict(idx.glossary).expand(question)
        query = None if mode == "bm25" else self.query_encoder.encode([expanded])[0]
        wanted = len(idx.chunks) if sources else k
        hits = retrieval.search(idx, expanded, query, wanted, mode, self.settings.candidates, self.settings.rrf_k)
        chunks = [(idx.chunks[h.chunk], h.score) for h in hits]
        if sources:
            chunks = [(c, s) for c, s in chunks if c.source in set(sources)]
        return [Passage.from_chunk(c, s) for c, s in chunks[:k]]

    def ask(self, question: str, k: int | None = None, mode: str | None = None,
            sources: list[str] | None = None) -> Answer:
        """Answer ``question`` from the notes with the top ``k`` passages under ``mode``."""
        cleaned, notices = clean_question(question)
        result = answering.compose(cleaned, self.search(cleaned, k, mode, sources))
        result.notices.extend(notices)
        return result

    def ask_many(self, questions: list[str], k: int | None = None, mode: str | None = None) -> list[Answer]:
        return [self.ask(q, k, mode) for q in questions]


def clean_question(question: str) -> tuple[str, list[str]]:
    """The question with control characters removed and length bounded, plus any notices."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    cleaned = "".join(ch if ch.isprintable() else " " for ch in question)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise QuestionError("the question is empty: ask something about your notes")
    notices = []
    if len(cleaned) > MAX_QUESTION_CHARS:
        cleaned = cleaned[:MAX_QUESTION_CHARS]
        notices.append(f"the question was cut to its first {MAX_QUESTION_CHARS} characters")
    return cleaned, notices


def _manifest_data(folder: Path) -> str | None:
    manifest = index.read_manifest(folder)
    return manifest.data if manifest else None


def _by_source(old: Index) -> dict[str, list[Chunk]]:
    grouped: dict[str, list[Chunk]] = {}
    for chunk in old.chunks:
        grouped.setdefault(chunk.source, []).append(chunk)
    return grouped


__all__ = ["BuildReport", "NotesBot", "clean_question"]
