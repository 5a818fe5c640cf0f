"""Wire the layers together: build or update the index from the notes, and answer questions."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import answer as answering
from . import chunking, corpus, dates, glossary, index, late, neighbours, overview, retrieval, spelling
from .config import (
    DEFAULT_ANSWER_PASSAGES,
    DEFAULT_LATE_MAX_CHUNKS,
    MAX_QUESTION_CHARS,
    Settings,
    check_k,
    check_mode,
    settings_from_env,
)
from .embedding import Embedder, SentenceTransformerEmbedder, resolve_model
from .errors import CorpusError, IndexError_, QuestionError
from .index import FileEntry, Index, Manifest
from .text import KIN_FROM, content_hash, merge_numbers, terms
from .types import Answer, Chunk, Passage, Sentence

Progress = Callable[[int, int], None]


# Words that frame a question rather than name what it is about ("tell me about the swimming pool incident").
# The asking words are left out of the answer's evidence and of the signals; the generic nouns too when the
# notes never use them, so notes that never say "incident" are no sign that the answer is missing.
ASKING = frozenset(terms("tell me about explain describe please give summarise summarize remind"))
YEAR_SAMPLE = 500  # chunks, spread over the index, whose years tell the year the notes centre on
# words about the notes themselves, not what they say: "What question was the essay written to answer?"
ABOUT_NOTES = frozenset(
    terms(
        "essay essays notes note writer author assignment prompt question ask asks asked answer answering write "
        "wrote written exam coursework homework"
    )
)
GENERIC = (
    frozenset(
        terms(
            "list summary overview happen happened happening incident event episode affair thing things situation "
            "story deal stuff value meaning definition"
        )
    )
    | ABOUT_NOTES
)
CHUNKER_MISMATCH = "other chunker settings"
TOKEN_SLICE = 256  # chunks encoded for token vectors at once: 256 x 256 tokens x 384 floats is about 100 MB


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
    glossary: bool = False  # the user's glossary.toml changed, and with it every note's expansions
    notices: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, list[int]] = field(default_factory=dict)  # unreadable notes: size, mtime_ns

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.rebuilt or self.glossary)

    def summary(self) -> str:
        """One line for people; a rebuild (every note chunked again) is not reported as notes added."""
        files = self.unchanged + len(self.added) + len(self.changed)
        what = (
            "rebuilt"
            if self.rebuilt
            else f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed"
        )
        if self.glossary and not self.rebuilt:
            what += f", {glossary.GLOSSARY_FILE} changed"
        return (
            f"{_count(self.chunks, 'chunk')} from {_count(files, 'file')}: {what}; "
            f"{_count(self.embedded, 'text')} embedded (passages and their sentences), {self.reused} reused"
        )


@dataclass
class _Retrieved:
    """One retrieval: the index used, the expanded question and its vector, chunk ids and passages."""

    index: Index
    question: str
    query: np.ndarray | None
    chunks: list[int]
    passages: list[Passage]
    respelt: list[tuple[str, str]] = field(default_factory=list)
    evidence: tuple[list[answering.Candidate], answering.Signals] | None = None  # once scored
    k: int = DEFAULT_ANSWER_PASSAGES  # passages asked for; more are kept to fill the places joins free

    @property
    def answer_depth(self) -> int:
        """How many top passages answers are drawn from: none beyond the ``k`` shown."""
        return min(DEFAULT_ANSWER_PASSAGES, self.k, len(self.chunks))


@dataclass(frozen=True)
class _Notes:
    """What is read once from all of an index's notes. Their titles (a title: the one top-level heading above
    all of a note, "# Cellular Respiration — Lecture 7") give the notes that have one, and each note's name as a
    question may give it, its path's words and its title (``overview.name``). Their years give the year they
    centre on, near which a question's short years are read ("the late 50s", ``dates.reference_year``)."""

    index: Index
    titled: frozenset[str]
    names: dict[str, str]
    reference_year: int | None


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
        self._query_encoder: Embedder | None = None
        self._index: Index | None = None
        self._words: frozenset[str] | None = None  # the model's whole words, loaded on the first misspelling
        self._titles: _Notes | None = None  # what the notes' titles give, for the index loaded (``_notes``)
        self.last_report: BuildReport | None = None

    # -- models -------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = SentenceTransformerEmbedder(self.settings.model)
        return self._embedder

    @property
    def query_encoder(self) -> Embedder:
        """What encodes questions: the same model as the index, run by numpy without torch when the
        model folder allows it (:mod:`notesbot.fast_embedding`), else the indexing embedder."""
        if self._query_encoder is None:
            from .fast_embedding import fast_query_encoder

            fast = fast_query_encoder(self.settings.model, self._embedder, self.model_identity()["fingerprint"])
            self._query_encoder = fast or self.embedder
        return self._query_encoder

    def model_identity(self) -> dict[str, object]:
        if self._embedder is not None:
            return {"name": self._embedder.name, "fingerprint": self._embedder.fingerprint}
        info = resolve_model(self.settings.model)
        return {"name": info.name, "fingerprint": info.fingerprint}

    def chunker(self) -> dict[str, object]:
        params = chunking.chunker_params(self.settings.chunk_chars)
        params["glossary"] = glossary.LEARNER_VERSION if self.settings.glossary else False
        if not self.settings.sentence_vectors:
            params["sentence_vectors"] = False
        if self.settings.late:
            params["late"] = late.LATE_VERSION
        return params

    # -- indexing -----------------------------------------------------------------------
    def update(
        self,
        progress: Progress | None = None,
        force: bool = False,
        wait: float = 0.0,
        waiting: Callable[[], None] | None = None,
    ) -> BuildReport:
        """Bring the index up to date with the notes, embedding only new or changed chunks. When another
        process is building the index, wait up to ``wait`` seconds for it (calling ``waiting`` once when the
        wait begins), then update from its index; IndexLockedError after that."""
        with index.lock(self.settings.index, wait, waiting):
            report = BuildReport(rebuilt=force)
            old, stored = (None, None) if force else self._compatible_index(report)
            self._index = self._build(old, report, progress, stored)
            self.last_report = report
            return report

    def _compatible_index(self, report: BuildReport) -> tuple[Index | None, Index | None]:
        """The existing index when it can be updated in place (None, with a notice, otherwise), and the index
        whose vectors may be reused: the same one or, when only the chunker settings differ, the old index:
        vectors are keyed by model and text, so a rebuild reuses those of the texts it still has."""
        try:
            manifest = index.read_manifest(self.settings.index)
            reason = self._mismatch(manifest) if manifest else None
            if manifest is None or reason:
                if reason:
                    report.notices.append(f"the index was built with {reason}: rebuilding it")
                report.rebuilt = manifest is not None
                return None, index.load(self.settings.index) if reason == CHUNKER_MISMATCH else None
            old = index.load(self.settings.index)
            return old, old
        except IndexError_ as exc:
            if not report.rebuilt:
                report.notices.append(f"the index cannot be used ({exc}): rebuilding it from the notes")
                report.rebuilt = True
            return None, None

    def _mismatch(self, manifest: Manifest) -> str | None:
        identity = self.model_identity()
        if {k: manifest.model.get(k) for k in identity} != identity:
            if manifest.model.get("name") == identity["name"]:  # retrained, another version, or another notesbot
                return f"the model {identity['name']} as it was (its fingerprint changed)"
            return f"another model ({manifest.model.get('name')})"
        if manifest.chunker != self.chunker():
            return CHUNKER_MISMATCH
        return None

    def _build(self, old: Index | None, report: BuildReport, progress: Progress | None, stored: Index | None) -> Index:
        """The index of the notes as they are now: ``old``'s chunks of unchanged notes kept, ``stored``'s
        vectors (``old`` itself, or an index of other chunker settings) reused for texts it has."""
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
                report.skipped[note.source] = [note.size, note.mtime_ns]
                continue
            files[note.source] = FileEntry(doc.sha256, note.size, note.mtime_ns)
            if entry and entry.sha256 == doc.sha256:
                chunks.extend(old_chunks.get(note.source, []))
                report.unchanged += 1
                continue
            (report.changed if entry else report.added).append(note.source)
            chunks.extend(chunking.chunk_document(doc, self.settings.chunk_chars))
        report.removed = sorted(set(old_files) - set(files))
        report.glossary = old is not None and self._extra_files() != old.manifest.extra_files
        if not files:
            raise CorpusError(f"no readable .txt, .md or .pdf notes in {self.settings.corpus}: add some notes there")
        if old is not None and not report.changed_anything:
            report.reused, report.chunks = len(set(old.keys).union(*old.contents.sentence_keys)), len(chunks)
            if (files, report.skipped) != (old.manifest.files, old.manifest.skipped):
                return self._restamp(old, files, report.skipped)
            return old
        return self._save(stored, files, chunks, report, progress)

    def _restamp(self, old: Index, files: dict[str, FileEntry], skipped: dict[str, list[int]]) -> Index:
        """``old`` under a manifest with the notes' new sizes and mtimes: no note's bytes changed, so nothing
        is chunked, embedded or saved again, and the model is not loaded."""
        manifest = replace(old.manifest, files=files, skipped=skipped)
        index.write_manifest(self.settings.index, manifest)
        return replace(old, manifest=manifest)

    def _extra_files(self) -> dict[str, list[int]]:
        """Size and mtime of the user's glossary file, which also shapes the index."""
        path = Path(self.settings.corpus) / glossary.GLOSSARY_FILE
        if not path.is_file():
            return {}
        stat = path.stat()
        return {glossary.GLOSSARY_FILE: [stat.st_size, stat.st_mtime_ns]}

    def learn_glossary(self, chunks: list[Chunk]) -> glossary.Glossary:
        """The glossary learned from the chunks' text, corrected by the user's glossary.toml (empty when off)."""
        if not self.settings.glossary:
            return glossary.Glossary()
        texts: dict[str, list[str]] = {}
        for chunk in chunks:
            texts.setdefault(chunk.source, []).append(chunk.text)
        vocabulary = glossary.load_vocabulary(resolve_model(self.settings.model).path)
        learned = glossary.learn({s: "\n".join(t) for s, t in texts.items()}, vocabulary)
        return glossary.merge(learned, glossary.read_user_file(self.settings.corpus))

    def _save(
        self,
        stored: Index | None,
        files: dict[str, FileEntry],
        chunks: list[Chunk],
        report: BuildReport,
        progress: Progress | None,
    ) -> Index:
        """Embed what ``stored`` has no vectors for, and write the index of ``chunks``."""
        gloss = self.learn_glossary(chunks)
        texts = [gloss.expand(c.embed_text) for c in chunks]
        sentence_texts = [
            [gloss.expand(t) for t in c.sentence_texts()] if self.settings.sentence_vectors else [] for c in chunks
        ]
        keys = self._keys(texts)
        sentence_keys = [self._keys(group) for group in sentence_texts]
        flat_keys = keys + [k for group in sentence_keys for k in group]
        flat_texts = texts + [t for group in sentence_texts for t in group]
        # token vectors pass through the late module's fixed projection: reused only under the same version
        same_late = stored is not None and stored.manifest.chunker.get("late") == self.chunker().get("late")
        token_cache = _token_cache(stored if same_late else None)
        late_todo = self._late_todo(token_cache, keys, texts)
        cache = _vector_cache(stored)
        todo = len(late_todo or []) + len({k for k in flat_keys if k not in cache} - {k for k, _ in late_todo or []})
        step = _steps(progress, todo)  # one count over both passes of the model: one progress bar
        counts, tokens, pooled = self._tokens(token_cache, keys, late_todo, step)
        vectors = self._vectors(cache, flat_keys, flat_texts, report, step, pooled)
        report.chunks = len(chunks)
        model = {**self.model_identity(), "dim": int(vectors.shape[1])}
        manifest = Manifest(
            model,
            self.chunker(),
            files,
            "",
            len(chunks),
            warnings=report.warnings,
            extra_files=self._extra_files(),
            skipped=report.skipped,
        )
        contents = index.Contents(
            chunks,
            keys,
            vectors[: len(keys)],
            texts,
            gloss.to_dict(),
            sentence_keys,
            vectors[len(keys) :],
            counts,
            tokens,
        )
        bm25_texts = [gloss.expand(chunking.bm25_text(c)) for c in chunks]
        return index.save(self.settings.index, manifest, contents, bm25_texts)

    def _late_todo(
        self, cache: dict[str, np.ndarray], keys: list[str], texts: list[str]
    ) -> list[tuple[str, str]] | None:
        """The chunks (content key, text) whose token vectors must be made, none when ``cache`` has them all;
        None when no token vectors are kept: late interaction off, an embedder that gives none, or more than
        DEFAULT_LATE_MAX_CHUNKS chunks."""
        embedder = self._embedder if self._embedder is not None else SentenceTransformerEmbedder  # not loaded
        if not self.settings.late or not hasattr(embedder, "encode_tokens") or len(keys) > DEFAULT_LATE_MAX_CHUNKS:
            return None
        return sorted({k: t for k, t in zip(keys, texts) if k not in cache}.items())

    def _tokens(
        self,
        stored: dict[str, np.ndarray],
        keys: list[str],
        todo: list[tuple[str, str]] | None,
        step: Callable[[int], None],
    ) -> tuple[list[int], np.ndarray, dict[str, np.ndarray]]:
        """Each chunk's token vectors (late interaction), ``stored`` ones by content key and those of ``todo``
        made now, and the sentence vectors of the chunks embedded for them (the same pass of the model gives
        both); none when ``todo`` is None (see ``_late_todo``)."""
        if todo is None:
            return [], np.zeros((0, 0), dtype=np.int8), {}
        cache, pooled = dict(stored), {}
        for begin in range(0, len(todo), TOKEN_SLICE):  # full-size token vectors of a slice at a time
            part = todo[begin : begin + TOKEN_SLICE]
            encode = getattr(self.embedder, "encode_tokens")  # noqa: B009 - the Embedder protocol has no such method
            for (key, _), found in zip(part, encode([t for _, t in part], progress=step)):
                cache[key], pooled[key] = late.chunk_tokens(found), found.pooled()
        arrays = [cache[k] for k in keys]
        tokens = np.concatenate(arrays) if arrays else np.zeros((0, 0), dtype=np.int8)
        return [len(a) for a in arrays], tokens, pooled

    def _keys(self, texts: list[str]) -> list[str]:
        fingerprint = str(self.model_identity()["fingerprint"])
        return [content_hash(fingerprint + "\0" + t) for t in texts]

    def _vectors(
        self,
        stored: dict[str, np.ndarray],
        keys: list[str],
        texts: list[str],
        report: BuildReport,
        step: Callable[[int], None],
        embedded: dict[str, np.ndarray],
    ) -> np.ndarray:
        """Vectors for ``texts``: those ``embedded`` already, else ``stored`` ones (by content key), the rest
        embedded now."""
        cache = {**stored, **embedded}
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in cache}.items())
        if missing:
            fresh = self.embedder.encode([t for _, t in missing], progress=step)
            cache.update({k: fresh[i] for i, (k, _) in enumerate(missing)})
        report.embedded = len(missing) + len(embedded)
        report.reused = len(set(keys)) - report.embedded
        dim = len(next(iter(cache.values()))) if cache else self.embedder.dim
        out = np.zeros((len(keys), dim), dtype=np.float32)
        for row, key in enumerate(keys):
            out[row] = cache[key]
        return out

    def _current_manifest(self, touched: bool = False) -> Manifest | None:
        """The index's manifest when the index exists, matches this model and chunker, and no note
        changed on disk (with ``touched``, notes that keep their bytes under a new mtime count as
        unchanged); None otherwise. IndexError_ when the index path is a file."""
        index.check_folder(self.settings.index)
        try:
            manifest = index.read_manifest(self.settings.index)
        except IndexError_:
            return None
        if manifest is None or self._mismatch(manifest) or self._extra_files() != manifest.extra_files:
            return None
        seen = corpus.stamps(self.settings.corpus)
        known: dict[str, tuple[int, ...]] = {s: (e.size, e.mtime_ns) for s, e in manifest.files.items()}
        known.update({s: tuple(stamp) for s, stamp in manifest.skipped.items()})
        if seen.keys() != known.keys():
            return None
        stale = [s for s in seen if seen[s] != known[s]]
        if not stale or (touched and all(self._same_bytes(manifest, s, seen[s][0]) for s in stale)):
            return manifest
        return None

    def _same_bytes(self, manifest: Manifest, source: str, size: int) -> bool:
        """Whether note ``source``, now ``size`` bytes long, still holds the bytes the manifest recorded."""
        entry = manifest.files.get(source)
        if entry is None or entry.size != size:
            return False
        return corpus.file_hash(Path(self.settings.corpus) / source) == entry.sha256

    def is_current(self) -> bool:
        """True when the index exists, matches this model and chunker, and no note's content changed on
        disk. A note only touched (same bytes, new mtime) counts as unchanged: :meth:`ensure_index` records
        its new mtime without loading the model."""
        return self._current_manifest(touched=True) is not None

    def ensure_index(self, progress: Progress | None = None, waiting: Callable[[], None] | None = None) -> Index:
        """The loaded index, built or updated first when it is missing or stale. While another process
        builds it, this waits up to ``settings.lock_wait`` seconds (calling ``waiting`` once) and uses its index."""
        manifest = self._current_manifest()
        if manifest is not None:
            if self._index is None or self._index.manifest.data != manifest.data:
                try:
                    self._index = index.load(self.settings.index)
                except IndexError_:
                    self.update(progress, wait=self.settings.lock_wait, waiting=waiting)
        else:
            self.update(progress, wait=self.settings.lock_wait, waiting=waiting)
        assert self._index is not None
        return self._index

    # -- asking -------------------------------------------------------------------------
    def search(
        self, question: str, k: int | None = None, mode: str | None = None, sources: list[str] | None = None
    ) -> list[Passage]:
        """The top ``k`` passages for ``question`` under ``mode``, best first (no answer composed)."""
        found = self._retrieve(question, k, mode, sources, need_vector=False)
        passages, _ = neighbours.join(
            found.passages, self._spans(found), self.settings.passage_chars, titled=self._titled(found.index)
        )
        return passages[: found.k]

    def ask(
        self, question: str, k: int | None = None, mode: str | None = None, sources: list[str] | None = None
    ) -> Answer:
        """Answer ``question`` from the notes with the top ``k`` passages under ``mode``."""
        cleaned, notices = clean_question(question)
        k = self.settings.k if k is None else check_k(k)
        mode = self.settings.mode if mode is None else check_mode(mode)
        if not overview.concerns_notes(cleaned):
            return self._answer(cleaned, k, mode, sources, notices)
        names = self._note_names(sources)
        whole = overview.asked(cleaned, names)
        summed = self._overview(cleaned, whole, k, notices) if whole else None
        if summed is not None:
            return summed
        named = overview.named(cleaned, names)
        if named:  # "according to the essay": asked of the essay, then of every note if the essay does not say
            result = self._answer(cleaned, k, mode, named, notices)
            if not result.abstained:
                result.notices.append(
                    f"asked of {', '.join(named)}, the {'note' if len(named) == 1 else 'notes'} the question names"
                )
                return result
        return self._answer(cleaned, k, mode, sources, notices)

    def _answer(self, cleaned: str, k: int, mode: str, sources: list[str] | None, notices: list[str]) -> Answer:
        """The answer from the top ``k`` passages (of ``sources`` only, when given), to what the question asks
        about ("What do my notes say about RuBisCO?" asks about "RuBisCO?")."""
        asked = overview.topic(cleaned)
        found = self._retrieve(asked, k, mode, sources, need_vector=True)
        candidates, signals = found.evidence or self._evidence(found)
        result = answering.compose(asked, found.passages, candidates, signals, self.settings.abstain_below)
        result = replace(result, question=cleaned)
        titled = self._titled(found.index)
        result = neighbours.join_answer(result, self._spans(found), self.settings.passage_chars, found.k, titled)
        result.notices.extend(notices + [f'read "{old}" as "{new}"' for old, new in found.respelt])
        return result

    def _note_names(self, sources: list[str] | None) -> dict[str, str]:
        """Each note (of ``sources``, when given) -> its name as a question may give it: its file name, and its
        title (``_notes``), when it has one."""
        names = self._notes(self.ensure_index()).names
        return {source: name for source, name in names.items() if not sources or source in sources}

    def _titled(self, idx: Index) -> frozenset[str]:
        """The notes of ``idx`` with a title: their passages join within a section under it (neighbours)."""
        return self._notes(idx).titled

    def _notes(self, idx: Index) -> _Notes:
        """The titles of the notes of ``idx``, and what depends on them; read once for each index loaded."""
        if self._titles is None or self._titles.index is not idx:
            tops: dict[str, set[str | None]] = {}
            for chunk in idx.chunks:
                tops.setdefault(chunk.source, set()).add(chunk.heading.split(" > ")[0] if chunk.heading else None)
            titles = {source: next(iter(top)) if len(top) == 1 else None for source, top in tops.items()}
            spread = idx.chunks[:: max(1, len(idx.chunks) // YEAR_SAMPLE)]  # enough to tell where the years lie
            self._titles = _Notes(
                idx,
                frozenset(source for source, title in titles.items() if title is not None),
                {source: overview.name(source, title) for source, title in sorted(titles.items())},
                dates.reference_year([chunk.embed_text for chunk in spread]),
            )
        return self._titles

    def _overview(self, question: str, notes: list[str], k: int, notices: list[str]) -> Answer | None:
        """The answer to a question about whole notes: each note's headings, or the opening (or close) of its
        prose, in at most ``k`` passages; None when none of them has either. Read from the notes' structure,
        not scored, so its confidence is 1."""
        idx = self.ensure_index()
        want = overview.wanted(question)
        wanted = set(notes)
        chunks_of: dict[str, list[Chunk]] = {note: [] for note in notes}
        for chunk in idx.chunks:
            if chunk.source in wanted:
                chunks_of[chunk.source].append(chunk)
        used: list[Chunk] = []
        sentences: list[Sentence] = []
        read: list[str] = []
        most = max(overview.MIN_HEADINGS, overview.MAX_POINTS // len(notes))
        for note in notes:
            doc, _ = corpus.read(corpus.NoteFile(note, self.settings.corpus / note, 0, 0))
            kind, points = overview.points(doc.lines if doc else [], chunks_of[note], want, most)
            before = len(sentences)
            for point in points:
                chunk = chunks_of[note][point.chunk]
                if chunk not in used and len(used) == k:
                    break  # k passages shown: the rest of the overview does not fit
                if chunk not in used:
                    used.append(chunk)
                text = chunk.text[point.start : point.end]
                line = chunk.line_at(point.start)
                sentences.append(
                    Sentence(text, note, line, used.index(chunk), point.start, point.end, 1.0, line + text.count("\n"))
                )
            read += [f"{note}: its {kind}"] if len(sentences) > before else []
            if len(used) == k:
                break
        if not sentences:
            return None
        passages = [
            replace(Passage.from_chunk(c, 1.0), highlights=tuple((s.start, s.end) for s in sentences if s.passage == r))
            for r, c in enumerate(used)
        ]
        text = " ".join(f"{s.words} [{s.citation}]" for s in sentences)
        notices = [*notices, f"a question about whole notes, answered from {'; '.join(read)}"]
        return Answer(question, text, False, passages, sentences, 1.0, notices)

    def _retrieve(
        self, question: str, k: int | None, mode: str | None, sources: list[str] | None, need_vector: bool
    ) -> _Retrieved:
        question, _ = clean_question(question)
        k = self.settings.k if k is None else check_k(k)
        mode = self.settings.mode if mode is None else check_mode(mode)
        idx = self.ensure_index()
        gloss = glossary.Glossary.from_dict(idx.glossary)
        names = {w for t in gloss.terms.values() for w in t.full.lower().split()}
        question, respelt = spelling.correct(
            question, lambda term: retrieval.document_frequency(idx, term), lambda word: self._is_word(word, names)
        )
        expanded = gloss.abbreviate(gloss.expand(question))  # "K" -> "K (Khrushchev)", "Austria-Hungary (A-H)"
        query, tokens = self._encode(idx, expanded, mode, need_vector)
        depth = 2 * k  # room to fill the places of passages that neighbours.join joins into others
        while True:
            hits = self._ranked(idx, expanded, query, tokens, mode, depth, sources)
            passages = [Passage.from_chunk(idx.chunks[h.chunk], h.score) for h in hits]
            found = _Retrieved(idx, expanded, query, [h.chunk for h in hits], passages, respelt, k=k)
            found = self._answer_first(found) if mode != "bm25" and self.settings.answer_first else found
            shown = neighbours.shown(self._spans(found), self.settings.passage_chars, self._titled(idx))
            if len(hits) < depth or shown >= k:
                return found
            depth *= 2

    def _ranked(
        self,
        idx: Index,
        question: str,
        query: np.ndarray | None,
        tokens: np.ndarray | None,
        mode: str,
        depth: int,
        sources: list[str] | None,
    ) -> list[retrieval.Hit]:
        """The top ``depth`` hits, only from ``sources`` when given."""
        s = self.settings
        wanted = len(idx.chunks) if sources else depth
        reference = self._notes(idx).reference_year
        hits = retrieval.search(
            idx, question, query, wanted, mode, s.candidates, s.rrf_k, s.fusion, s.dense_weight, tokens, reference
        )
        if sources:
            hits = [h for h in hits if idx.chunks[h.chunk].source in set(sources)]
        return hits[:depth]

    @staticmethod
    def _spans(found: _Retrieved) -> list[Chunk]:
        return [found.index.chunks[c] for c in found.chunks]

    def _encode(
        self, idx: Index, question: str, mode: str, need_vector: bool
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The question's vector (None when BM25 alone needs none) and, for hybrid search over an index with
        token vectors, its content tokens' vectors, both from one pass of the model."""
        if mode == "bm25" and not need_vector:
            return None, None
        encode_tokens = getattr(self.query_encoder, "encode_tokens", None)
        if mode == "hybrid" and idx.has_tokens and encode_tokens is not None:
            found = encode_tokens([question])[0]
            return found.pooled(), late.question_tokens(found)
        return self.query_encoder.encode([question])[0], None

    def _is_word(self, word: str, names: set[str]) -> bool:
        """An English word the model knows, or one of ``names``, the words of the glossary's full forms."""
        if self._words is None:
            self._words = glossary.load_vocabulary(resolve_model(self.settings.model).path)
        return word in self._words or word in names

    def _answer_first(self, found: _Retrieved) -> _Retrieved:
        """The top passages (those answers are drawn from) reordered by their best sentence's score, so the
        passage holding the answer comes first; the rest keep their retrieval order. Each keeps its score.

        The scored sentences move with their passages. Their signals stay valid: moving the best sentence's
        passage up only raises its score and lowers or keeps the others', so the same sentence leads."""
        candidates, signals = self._evidence(found)
        best: dict[int, float] = {}
        for cand in candidates:
            best[cand.passage] = max(best.get(cand.passage, -np.inf), cand.score)
        head = sorted(range(found.answer_depth), key=lambda i: -best.get(i, -np.inf))
        order = head + list(range(len(head), len(found.chunks)))
        rank = {old: new for new, old in enumerate(order)}
        moved = [replace(c, passage=rank[c.passage]) for c in candidates]
        return replace(
            found,
            chunks=[found.chunks[i] for i in order],
            passages=[found.passages[i] for i in order],
            evidence=(moved, signals),
        )

    def _evidence(self, found: _Retrieved) -> tuple[list[answering.Candidate], answering.Signals]:
        """Sentences of the top passages scored against the question, and the question's signals."""
        idx, query = found.index, found.query
        assert query is not None
        gloss = glossary.Glossary.from_dict(idx.glossary)
        q_terms = {
            t
            for t in terms(found.question)
            if t not in ASKING and (t not in GENERIC or retrieval.document_frequency(idx, t))
        }
        weights = retrieval.idf(idx, sorted(q_terms))
        rarest = max(weights.values(), default=1.0)
        total = sum(weights.get(t, rarest) for t in q_terms) or 1.0
        candidates, texts = [], []
        about = chunking.about_asking(found.question)  # else a prompt's sentences only restate the question
        timely = set(_in_time(found, self._notes(idx).reference_year))
        for rank, chunk_id in enumerate(found.chunks[: found.answer_depth]):
            chunk = idx.chunks[chunk_id]
            prompt = chunking.is_prompt_chunk(chunk)
            opening = set(chunking.opening_prompt(chunk)) if about else set()
            rows: list[int | None] = list(idx.sentence_rows(chunk_id)) or [None] * len(chunk.sentences)
            for (start, end), row in zip(chunk.sentences, rows):
                text = chunk.text[start:end]
                if not any(ch.isalnum() for ch in text):
                    continue  # a table's rule ("|---|---|") or a row of stars says nothing
                source = idx.contents.sentence_vectors[row] if row is not None else idx.vectors[chunk_id]
                vector = np.asarray(source)
                expanded = gloss.expand(text)
                sentence_terms = frozenset(terms(expanded))
                evidence = sentence_terms | set(terms(gloss.expand(chunk.subject_of(start))))
                lexical = sum(weights.get(t, 0.0) for t in q_terms & evidence) / total
                line = chunk.line_at(start)
                said = chunking.is_prompt(text)  # a question or instruction, a heading's too
                candidates.append(
                    answering.Candidate(
                        rank,
                        start,
                        end,
                        line,
                        float(vector @ query),
                        lexical,
                        sentence_terms,
                        echo=answering.echo(q_terms, sentence_terms),
                        fit=answering.type_match(found.question, [expanded]),
                        title=chunking.is_title(chunk.text, start) or (said and not (about and (prompt or opening))),
                        asks=said and (prompt or (start, end) in opening),
                        view=answering.viewpoint(found.question, expanded),
                        timely=rank in timely,
                    )
                )
                texts.append(text)
        candidates = answering.answer_cards(candidates, texts)
        top_text = " ".join(gloss.expand(idx.chunks[c].embed_text) for c in found.chunks[: found.answer_depth])
        spanned = _spanned_years(found.question, top_text)
        # a name the notes only write short ("Austria-Hungary" as "A-H") is no unknown name
        spanned |= {w for name, _ in gloss.shortened(found.question) for w in [*name.split(), *terms(name)]}
        signals = answering.Signals(
            best_dense=max((c.dense for c in candidates), default=0.0),
            best_lexical=max((c.lexical for c in candidates), default=0.0),
            coverage=_coverage(q_terms, weights, set(terms(top_text))),
            unknown_names=_unknown_names(found.question, idx, spanned),
            unknown_terms=len(q_terms - set(weights) - spanned) / max(1, len(q_terms)),
            type_match=next((c.fit for c in answering.select(candidates)), answering.type_match(found.question, [])),
        )
        return _asked_about(candidates, signals, q_terms) if about else (candidates, signals)

    def ask_many(self, questions: list[str], k: int | None = None, mode: str | None = None) -> list[Answer]:
        return [self.ask(q, k, mode) for q in questions]


def _in_time(found: _Retrieved, reference: int | None = None) -> list[int]:
    """The top passages (by place) whose text or breadcrumb names the years the question asks about, when some
    but not all of them do; else none. Their sentences gain a little: "why did they stay allies in 1954-57?"
    wants the notes on 1954-57 before an essay's reasons for the alliance of 1950."""
    asked = dates.question_span(found.question, reference)
    if asked is None:
        return []
    head = range(found.answer_depth)
    texts = [found.index.chunks[found.chunks[i]].embed_text for i in head]  # breadcrumb and text
    timed = [i for i, text in zip(head, texts) if dates.in_time(asked, text)]
    return timed if len(timed) < len(texts) else []


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


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


def _coverage(q_terms: set[str], weights: dict[str, float], found: set[str]) -> float:
    """IDF-weighted share of the question's terms found in ``found``; terms the notes never use
    count as rare as the rarest term they do use."""
    rarest = max(weights.values(), default=1.0)
    total = sum(weights.get(t, rarest) for t in q_terms)
    return sum(weights.get(t, 0.0) for t in q_terms & found) / total if total else 0.0


NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b([A-Z][\w'’-]+|\d{3,})")


def _asked_about(
    candidates: list[answering.Candidate], signals: answering.Signals, q_terms: set[str]
) -> tuple[list[answering.Candidate], answering.Signals]:
    """For a question about what the notes ask: with their assignment among the top passages, its sentences
    are the answer, and a question with nothing to ask beyond that ("What was the essay question?") has its
    words all found; without it, the answer found is of the wrong kind, as a sentence without a date is for
    "when"."""
    if not any(c.asks for c in candidates):
        return candidates, replace(signals, type_match=0.0)
    if not q_terms - ABOUT_NOTES:
        signals = replace(signals, best_lexical=1.0, coverage=1.0)
    return [c for c in candidates if c.asks], signals


def _unknown_names(question: str, idx: Index, spanned: set[str]) -> float:
    """How many of the question's names and numbers (capitalised words not at its start, long numbers)
    the notes never mention, capped at 2; years in ``spanned`` count as mentioned."""
    names = {m.group(1) for m in NAME.finditer(merge_numbers(question).strip())} - spanned
    vocabulary = idx.bm25.vocab_dict
    missing = [n for n in names if not all(_known(t, vocabulary, idx.sorted_terms) for t in terms(n))]
    return float(min(2, len(missing)))


# what a word made from a name adds to it: "American", "Japanese", "Stalinist" (not "franchise" from "France")
NAME_ENDINGS = ("n", "an", "ian", "es", "ese", "ish", "ist", "ism", "i", "ite")


def _known(term: str, vocabulary: dict[str, int], ordered: list[str]) -> bool:
    """Whether the notes use ``term`` or a word made from it: "America" is known from "American", "Stalin" from
    "Stalinist". Not the other way: "de-Stalinisation" is not known from "Stalin"."""
    if term in vocabulary:
        return True
    if len(term) < KIN_FROM or term[0].isdigit():
        return False
    longer = itertools.takewhile(lambda v: v.startswith(term), ordered[bisect.bisect_right(ordered, term) :])
    return any(v[len(term) :] in NAME_ENDINGS for v in longer)


def _spanned_years(question: str, text: str) -> set[str]:
    """The years the question names that fall in a range of years ``text`` names: asked about 1956, notes
    that say "1954-57" know the year without writing it."""
    asked = [int(m.group(1)) for m in dates.SINGLE.finditer(question)]
    if not asked:
        return set()
    ranges = dates.spans_in(text, dates.Span(min(asked), max(asked)))
    return {str(y) for y in asked if any(r.first <= y <= r.last for r in ranges)}


def _steps(progress: Progress | None, total: int) -> Callable[[int], None]:
    """An embedder's progress callback (texts done in this step) reported to ``progress`` as (done, total)."""
    done = [0]

    def step(n: int) -> None:
        done[0] += n
        if progress is not None:
            progress(done[0], total)

    return step


def _vector_cache(old: Index | None) -> dict[str, np.ndarray]:
    """Every vector of an index by its content key."""
    if old is None:
        return {}
    cache = dict(zip(old.keys, old.vectors))
    sentence_keys = [k for group in old.contents.sentence_keys for k in group]
    cache.update(zip(sentence_keys, old.contents.sentence_vectors))
    return cache


def _token_cache(old: Index | None) -> dict[str, np.ndarray]:
    """Every chunk's stored token vectors by its content key."""
    if old is None or not old.has_tokens:
        return {}
    offsets = old.token_offsets
    return {k: np.asarray(old.contents.token_vectors[offsets[i] : offsets[i + 1]]) for i, k in enumerate(old.keys)}


def _by_source(old: Index) -> dict[str, list[Chunk]]:
    grouped: dict[str, list[Chunk]] = {}
    for chunk in old.chunks:
        grouped.setdefault(chunk.source, []).append(chunk)
    return grouped


__all__ = ["BuildReport", "NotesBot", "clean_question"]
