"""NotesBot: incremental indexing, rebuilds on mismatch, and the public API."""

from __future__ import annotations

import inspect
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import notesbot
from notesbot import NotesBot, corpus, index, late, pipeline
from notesbot.config import Settings, settings_from_env
from notesbot.errors import ConfigError, CorpusError, QuestionError
from notesbot.pipeline import _known, _spanned_years

from .conftest import ROOT, FakeEmbedder, TokenFakeEmbedder


def test_unchanged_corpus_embeds_nothing(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    first = NotesBot(notes, tmp_path / "idx", embedder=fake).update()
    assert first.embedded > first.chunks > 0  # chunks and their sentences
    fake.calls.clear()
    second = NotesBot(notes, tmp_path / "idx", embedder=fake)
    assert second.is_current()
    report = second.update()
    assert (report.embedded, report.chunks, fake.calls) == (0, first.chunks, [])
    assert report.reused == first.embedded  # every vector, chunks' and sentences', is counted as reused
    assert not report.changed_anything


def test_changing_one_file_reembeds_only_its_chunks(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    NotesBot(notes, tmp_path / "idx", embedder=fake).update()
    essay = notes / "sino-soviet-alliance-origins-essay.txt"
    essay.write_text(essay.read_text() + "\n\nStalin died in March 1953.\n")
    fake.calls.clear()
    bot = NotesBot(notes, tmp_path / "idx", embedder=fake)
    assert not bot.is_current()
    report = bot.update()
    assert report.changed == [essay.name] and report.added == [] and report.removed == []
    assert report.embedded == len(fake.calls) == 1
    assert "Stalin died in March 1953." in fake.calls[0]
    assert any("Stalin died" in p.text for p in bot.search("When did Stalin die?", k=3, mode="bm25"))


def test_touching_a_file_without_changing_it_embeds_nothing(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    NotesBot(notes, tmp_path / "idx", embedder=fake).update()
    path = notes / "sino-soviet-relations-1954-58-notes.txt"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    fake.calls.clear()
    report = NotesBot(notes, tmp_path / "idx", embedder=fake).update()
    assert report.embedded == 0 and report.changed == []
    assert NotesBot(notes, tmp_path / "idx", embedder=fake).is_current()


def test_touching_a_note_refreshes_its_stamp_without_the_model(
    notes: Path, tmp_path: Path, fake_model: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    NotesBot(notes, tmp_path / "idx").update()
    before = index.read_manifest(tmp_path / "idx")
    path = notes / "sino-soviet-relations-1954-58-notes.txt"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))

    def no_model(name: str | None = None) -> None:
        raise AssertionError("the embedding model was loaded")

    monkeypatch.setattr(pipeline, "SentenceTransformerEmbedder", no_model)
    bot = NotesBot(notes, tmp_path / "idx")
    assert bot.is_current()  # the command line announces no indexing
    assert bot.search("Great Leap Forward", mode="bm25")
    after = index.read_manifest(tmp_path / "idx")
    assert before is not None and after is not None
    assert after.files[path.name].mtime_ns == path.stat().st_mtime_ns
    assert after.data == before.data  # only the manifest was rewritten

    def no_reading(note: object) -> None:
        raise AssertionError("a note was read again")

    monkeypatch.setattr(corpus, "read", no_reading)
    assert NotesBot(notes, tmp_path / "idx").ensure_index().manifest == after


def test_a_touched_note_with_new_bytes_is_not_current(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    NotesBot(notes, tmp_path / "idx", embedder=fake).update()
    path = notes / "sino-soviet-relations-1954-58-notes.txt"
    stat = path.stat()
    path.write_text(path.read_text().replace("Mao", "Zhu", 1))  # same size, other bytes
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert path.stat().st_size == stat.st_size
    assert not NotesBot(notes, tmp_path / "idx", embedder=fake).is_current()


def test_deleting_a_file_drops_its_chunks(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    NotesBot(notes, tmp_path / "idx", embedder=fake).update()
    (notes / "sino-soviet-alliance-origins-essay.txt").unlink()
    bot = NotesBot(notes, tmp_path / "idx", embedder=fake)
    report = bot.update()
    assert report.removed == ["sino-soviet-alliance-origins-essay.txt"]
    assert {c.source for c in bot.ensure_index().chunks} == {"sino-soviet-relations-1954-58-notes.txt"}


def test_another_model_triggers_a_rebuild_with_a_notice(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    NotesBot(notes, tmp_path / "idx", embedder=fake).update()
    other = FakeEmbedder()
    other.fingerprint = "fake-2"
    bot = NotesBot(notes, tmp_path / "idx", embedder=other)
    assert not bot.is_current()
    report = bot.update()
    assert any("the model fake as it was (its fingerprint changed)" in n for n in report.notices), report.notices
    assert report.reused == 0 and report.embedded > report.chunks
    third = FakeEmbedder()
    third.name = "other"
    report = NotesBot(notes, tmp_path / "idx", embedder=third).update()
    assert any("another model (" in n for n in report.notices), report.notices


def test_other_chunker_settings_rebuild_but_reuse_the_vectors_of_unchanged_texts(notes: Path, tmp_path: Path) -> None:
    """Vectors are keyed by model and text: a rebuild for new chunker settings embeds only the texts it has not
    seen; the index is the one a fresh build would give."""
    first = TokenFakeEmbedder()
    NotesBot(settings=Settings(corpus=notes, index=tmp_path / "idx", chunk_chars=550), embedder=first).update()
    seen = set(first.calls) | set(first.token_calls)  # every text with a stored vector
    again = TokenFakeEmbedder()
    bot = NotesBot(settings=Settings(corpus=notes, index=tmp_path / "idx", chunk_chars=450), embedder=again)
    report = bot.update()
    assert any("other chunker settings" in n for n in report.notices)
    assert ": rebuilt; " in report.summary() and "added" not in report.summary()
    assert again.token_calls and report.reused > 0  # the new chunks are embedded, the rest reused
    assert not set(again.calls) & seen  # a text with a stored vector is not embedded again
    assert not set(again.token_calls) & set(first.token_calls)  # nor a chunk with stored token vectors
    alone = NotesBot(settings=Settings(corpus=notes, index=tmp_path / "alone", chunk_chars=450), embedder=first)
    expected = alone.ensure_index()
    got = bot.ensure_index()
    assert [c.text for c in got.chunks] == [c.text for c in expected.chunks]
    assert np.allclose(got.vectors, expected.vectors) and np.array_equal(
        got.contents.token_vectors, expected.contents.token_vectors
    )


def test_ask_builds_the_index_when_missing(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    answer = NotesBot(notes, tmp_path / "idx", embedder=fake).ask("swimming pool", k=2)
    assert len(answer.passages) == 2
    data = answer.to_dict()
    assert set(data) >= {"question", "answer", "abstained", "passages"}


def test_empty_question_and_empty_corpus(tmp_path: Path, fake: FakeEmbedder, notes: Path) -> None:
    with pytest.raises(QuestionError):
        NotesBot(notes, tmp_path / "idx", embedder=fake).ask("  \n\t ")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError):
        NotesBot(tmp_path / "empty", tmp_path / "idx2", embedder=fake).update()


def test_public_api_is_exactly_all() -> None:
    helpers = {"annotations", "TYPE_CHECKING", "Any"}
    public = {
        name
        for name, value in vars(notesbot).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name not in helpers
    }
    assert public <= set(notesbot.__all__)
    assert all(getattr(notesbot, name) is not None for name in notesbot.__all__)
    assert sorted(notesbot.__all__) == notesbot.__all__


def test_names_the_notes_never_mention_are_counted(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    bot = NotesBot(notes, tmp_path / "index", embedder=fake)
    on_topic = bot.ask("What did Khrushchev offer Mao over Taiwan?")
    partly_known = bot.ask("How did the Sino-Indian war of 1962 change things?")  # Sino- is known, Indian is not
    assert on_topic.signals["unknown_names"] == 0.0
    assert partly_known.signals["unknown_names"] == 2.0  # "Sino-Indian" and "1962"
    derived = bot.ask("What did Russia and America think of Taiwan?")  # the notes say "Russian", "American"
    assert derived.signals["unknown_names"] == 0.0
    assert bot.ask("What did Canada and Peru think of Taiwan?").signals["unknown_names"] == 2.0
    assert bot.ask("What did Mao think of de-Stalinisation?").signals["unknown_names"] == 1.0, "made from Stalin"


def test_words_that_frame_a_question_are_no_unknown_terms(tmp_path: Path, fake: FakeEmbedder) -> None:
    """ "the value of g", "the meaning of displacement": notes that never say "value" or "meaning" still hold
    the answer; a word the notes never use that names a thing still counts."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "physics.txt").write_text("Free fall: g = 9.81 m/s^2 near the Earth's surface.\n", "utf-8")
    bot = NotesBot(notes, tmp_path / "index", embedder=fake)
    for question in ("What is the value of g?", "What is the meaning of free fall?", "definition of free fall"):
        assert bot.ask(question).signals["unknown_terms"] == 0.0, question
    assert bot.ask("What is the mass of the Earth?").signals["unknown_terms"] == 0.5  # "mass" names a thing


def test_a_name_is_known_from_the_words_the_notes_make_from_it() -> None:
    vocabulary = {t: i for i, t in enumerate(["american", "stalinist", "franchis", "100000", "japanes"])}
    ordered = sorted(vocabulary)
    for name in ("america", "stalin", "japan"):
        assert _known(name, vocabulary, ordered), name
    for name in ("franc", "10000", "korea"):  # "franchise" is not made from France; numbers are numbers
        assert not _known(name, vocabulary, ordered), name


def test_a_number_written_in_words_is_no_unknown_name(tmp_path: Path, fake: FakeEmbedder) -> None:
    """The notes' "Twenty-One Demands" are indexed as 21; "Twenty One" in a question is that number too, not
    the unknown names "Twenty" and "One"."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "japan.txt").write_text("The Twenty-One Demands were issued by Japan to China in 1915.\n", "utf-8")
    bot = NotesBot(notes, tmp_path / "index", embedder=fake)
    for question in ("What were the Twenty One Demands?", "What were the Twenty-One Demands?"):
        assert bot.ask(question).signals["unknown_names"] == 0.0


def test_a_year_inside_a_range_the_notes_name_is_not_unknown() -> None:
    assert _spanned_years("why was 1956 important?", "1.2 1954-57 significant") == {"1956"}
    assert _spanned_years("what happened in 1958?", "4.1 During 58, differences emerged") == {"1958"}
    assert _spanned_years("why was 1960 important?", "1.2 1954-57 significant") == set()
    assert _spanned_years("why was it important?", "1.2 1954-57 significant") == set()


@pytest.mark.parametrize(
    ("k", "message"),
    [
        (0, "k must be a whole number from 1 to 1000, got 0"),
        (1001, "k must be a whole number from 1 to 1000, got 1001"),
        ("3", "k must be a whole number from 1 to 1000, got '3'"),
        (2.5, "k must be a whole number from 1 to 1000, got 2.5"),
    ],
)
def test_a_bad_k_is_a_config_error(k: object, message: str, notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    bot = NotesBot(notes, tmp_path / "idx", embedder=fake)
    for call in (bot.ask, bot.search):
        with pytest.raises(ConfigError) as caught:
            call("swimming pool", k=k)  # type: ignore[operator]
        assert str(caught.value) == message


def test_edge_values_of_k_wait_and_confidence() -> None:
    import math

    import numpy as np

    from notesbot.config import Settings, check_k
    from notesbot.types import Answer

    assert check_k(np.int64(3)) == 3 and type(check_k(np.int64(3))) is int
    for wait in (math.nan, math.inf, -1.0):
        with pytest.raises(ConfigError, match="the wait for another index build"):
            Settings(lock_wait=wait)
    shown = [Answer("q", None, True, confidence=c).confidence_percent for c in (math.nan, -0.2, 1.5, 0.548)]
    assert shown == [0, 0, 100, 54]


@pytest.mark.parametrize("mode", ["", 5, ["hybrid"]])
def test_a_bad_mode_is_a_config_error(mode: object, notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    bot = NotesBot(notes, tmp_path / "idx", embedder=fake)
    for call in (bot.ask, bot.search):
        with pytest.raises(ConfigError, match=re.escape(f"mode must be one of hybrid, dense, bm25, got {mode!r}")):
            call("swimming pool", mode=mode)  # type: ignore[operator]


def test_a_missing_notes_folder_is_explained_for_the_api_too(tmp_path: Path, fake: FakeEmbedder) -> None:
    with pytest.raises(CorpusError) as caught:
        NotesBot(tmp_path / "nowhere", tmp_path / "idx", embedder=fake).ask("swimming pool")
    assert "corpus=" in str(caught.value) and "--corpus" in str(caught.value)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("NOTESBOT_K", "abc", "NOTESBOT_K must be a whole number from 1 to 1000, got 'abc'"),
        ("NOTESBOT_K", "0", "NOTESBOT_K must be a whole number from 1 to 1000, got '0'"),
        ("NOTESBOT_MODE", "magic", "NOTESBOT_MODE must be one of hybrid, dense, bm25, got 'magic'"),
        ("NOTESBOT_ABSTAIN_BELOW", "1.5", "NOTESBOT_ABSTAIN_BELOW must be a number from 0 to 1, got '1.5'"),
    ],
)
def test_bad_environment_values_name_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_env({variable: value})
    assert str(caught.value) == message


def test_one_progress_count_runs_over_both_passes_of_the_model(notes: Path, tmp_path: Path) -> None:
    """Chunk token vectors and sentence vectors come from two passes of the model; progress is one count
    over both, rising to its total once, so the command line shows one bar."""
    seen: list[tuple[int, int]] = []
    embedder = TokenFakeEmbedder()
    report = NotesBot(notes, tmp_path / "idx", embedder=embedder).update(progress=lambda d, t: seen.append((d, t)))
    assert embedder.token_calls and embedder.calls  # both passes ran
    totals = {t for _, t in seen}
    totals_before = len(embedder.token_calls) + len(embedder.calls)
    assert totals == {totals_before}
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == totals.pop() and done.count(done[-1]) == 1
    assert report.embedded == totals_before


def test_a_touched_glossary_file_rebuilds_without_loading_the_model(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """glossary.toml's new mtime rebuilds the index, but every vector is stored: the model (about 7 s to
    load) is not loaded."""
    made: list[str] = []

    class Counting(TokenFakeEmbedder):
        def __init__(self, name: str) -> None:
            super().__init__()
            made.append(name)

    monkeypatch.setattr(pipeline, "SentenceTransformerEmbedder", Counting)
    real = pipeline.resolve_model  # the packaged model's folder still gives the glossary its vocabulary
    fake = lambda name: SimpleNamespace(name="fake", fingerprint="fake-1", path=real(name).path)  # noqa: E731
    monkeypatch.setattr(pipeline, "resolve_model", fake)
    user_glossary = notes / "glossary.toml"
    user_glossary.write_text('[terms]\nPRC = "People\'s Republic of China"\n', encoding="utf-8")
    NotesBot(notes, tmp_path / "idx").update()
    assert len(made) == 1
    stat = user_glossary.stat()
    os.utime(user_glossary, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    report = NotesBot(notes, tmp_path / "idx").update()
    assert (len(made), report.embedded) == (1, 0)
    assert report.reused > 0


@pytest.mark.parametrize("k", [1, 2, 3])
def test_answers_draw_only_on_the_passages_shown(notes: Path, tmp_path: Path, fake: FakeEmbedder, k: int) -> None:
    """More hits than ``k`` are fetched to fill the places that joined passages free; answers still come from
    the top ``k`` (at most three) alone, and every cited sentence is in a passage shown."""
    bot = NotesBot(notes, tmp_path / "idx", embedder=fake)
    questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "questions.jsonl").open(encoding="utf-8")]
    for question in questions[:40]:
        answer = bot.ask(question, k=k)
        assert len(answer.passages) <= k
        for s in answer.sentences:
            assert s.passage < k and answer.passages[s.passage].text[s.start : s.end] == s.text


def test_joined_passages_still_fill_k_places(tmp_path: Path, fake: FakeEmbedder) -> None:
    """Points of one section join in twos and threes; the places they free are filled from further down."""
    notes = tmp_path / "notes"
    notes.mkdir()
    points = "\n".join(f"1.{n} The treaty took land number {n} from Germany and gave it away" for n in range(1, 41))
    (notes / "v.txt").write_text("1 The Treaty of Versailles\n" + points + "\n", encoding="utf-8")
    bot = NotesBot(notes, tmp_path / "idx", embedder=fake, settings=Settings(chunk_chars=120, passage_chars=200))
    chunks = {(c.start_line, c.end_line) for c in bot.ensure_index().chunks}
    assert len(chunks) >= 20
    shown = bot.search("treaty land Germany", k=8, mode="bm25")
    assert any((p.start_line, p.end_line) not in chunks for p in shown)  # some are joined
    for k in (3, 5, 8):
        assert len(bot.search("treaty land Germany", k=k, mode="bm25")) == k
        assert len(bot.ask("what land did the treaty take from Germany?", k=k).passages) == k


def test_a_new_token_projection_remakes_every_token_vector(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored token vectors went through the late module's projection: a new version of it rebuilds them all,
    while the plain vectors, which depend on model and text alone, are reused."""
    first = TokenFakeEmbedder()
    NotesBot(notes, tmp_path / "idx", embedder=first).update()
    monkeypatch.setattr(late, "LATE_VERSION", f"{late.LATE_VERSION}-new")
    again = TokenFakeEmbedder()
    bot = NotesBot(notes, tmp_path / "idx", embedder=again)
    report = bot.update()
    assert sorted(again.token_calls) == sorted(first.token_calls)  # every chunk's token vectors made again
    assert again.calls == [] and report.reused > 0  # sentence vectors reused


def test_an_embedder_that_lends_its_methods_still_gives_token_vectors(notes: Path, tmp_path: Path) -> None:
    """Whether token vectors are kept is asked of the embedder itself, so a wrapper that passes calls on to
    another embedder (``__getattr__``) keeps late interaction."""

    class Wrapper:
        def __init__(self, inner: TokenFakeEmbedder) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

    bot = NotesBot(notes, tmp_path / "idx", embedder=Wrapper(TokenFakeEmbedder()))  # type: ignore[arg-type]
    assert bot.ensure_index().has_tokens


def test_the_passage_limit_decides_how_far_neighbours_join(tmp_path: Path, fake: FakeEmbedder) -> None:
    """Chunks stay within chunk_chars; shown passages joined from neighbours within passage_chars (0: none)."""
    notes = tmp_path / "notes"
    notes.mkdir()
    points = "\n".join(f"1.{n} The treaty took land number {n} from Germany and gave it away" for n in range(1, 41))
    (notes / "v.txt").write_text("1 The Treaty of Versailles\n" + points + "\n", encoding="utf-8")
    for limit in (0, 200, 450):
        settings = Settings(chunk_chars=200, passage_chars=limit)
        bot = NotesBot(notes, tmp_path / "idx", embedder=fake, settings=settings)
        chunks = {(c.start_line, c.end_line) for c in bot.ensure_index().chunks}
        passages = bot.search("treaty land Germany", k=10, mode="bm25")
        assert all(len(p.text) <= max(limit, 200) for p in passages)
        joined = [p for p in passages if (p.start_line, p.end_line) not in chunks]
        assert (not joined) if limit == 0 else any(len(p.text) > 200 for p in joined) == (limit > 200)


def test_a_negative_passage_limit_is_refused() -> None:
    with pytest.raises(ConfigError, match="passage size"):
        Settings(passage_chars=-1)


def test_a_table_rule_is_never_an_answer_sentence(tmp_path: Path, fake: FakeEmbedder) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    table = (
        "# Inhibitors\n\n| Drug | Target |\n|------|--------|\n| Cyanide | Complex IV |\n"
        "| Oligomycin | ATP synthase |\n"
    )
    (notes / "bio.md").write_text(table, encoding="utf-8")
    bot = NotesBot(notes, tmp_path / "idx", embedder=fake, settings=Settings(abstain_below=0.0))
    for question in ("|------|--------|", "which drug blocks the target?", "what does oligomycin target"):
        answer = bot.ask(question)
        assert answer.sentences and all(any(c.isalnum() for c in s.text) for s in answer.sentences), question


def test_the_update_summary_counts_one_file_and_one_chunk_in_the_singular() -> None:
    one = pipeline.BuildReport(added=["a.txt"], chunks=1, embedded=2).summary()
    assert one.startswith("1 chunk from 1 file: 1 added, 0 changed, 0 removed; 2 texts embedded")
    assert pipeline.BuildReport(unchanged=2, chunks=5).summary().startswith("5 chunks from 2 files: ")
    assert (
        "; 1 text embedded (passages and their sentences), 3 reused"
        in pipeline.BuildReport(embedded=1, reused=3).summary()
    )


def test_a_flashcard_question_is_answered_with_its_card(tmp_path: Path, fake: FakeEmbedder) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    cards = (
        "# Preterite\n\nQ: What is the preterite of tener?\nA: tuve\n\nQ: How do you say I did?\nA: hice\n\n"
        "Q: Is an advert an offer? A: Usually no, it is an invitation to treat.\n"
    )
    (notes / "cards.md").write_text(cards, encoding="utf-8")
    bot = NotesBot(notes, tmp_path / "idx", embedder=fake, settings=Settings(abstain_below=0.0))
    assert (
        bot.ask("What is the preterite of tener?").answer == "Q: What is the preterite of tener? A: tuve [cards.md:3-4]"
    )
    assert bot.ask("Is an advert an offer?").answer.startswith(  # type: ignore[union-attr]
        "Q: Is an advert an offer? A: Usually no, it is an invitation to treat. [cards.md:9]"
    )
