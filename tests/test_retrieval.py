"""Retrieval: FAISS equals brute force, BM25 and reciprocal rank fusion."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from notesbot import NotesBot, Settings, late, neighbours, pipeline, retrieval
from notesbot.chunking import is_prompt_chunk
from notesbot.dates import Span, out_of_time
from notesbot.retrieval import Hit

from .conftest import FakeEmbedder, TokenFakeEmbedder


def test_faiss_top_k_equals_numpy_brute_force(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    idx = NotesBot(notes, tmp_path / "idx", embedder=fake).ensure_index()
    vectors = np.asarray(idx.vectors)
    rng = np.random.default_rng(0)
    for _ in range(20):
        query = rng.normal(size=vectors.shape[1]).astype(np.float32)
        query /= np.linalg.norm(query)
        hits = retrieval.dense(idx, query, 10)
        expected = np.argsort(-(vectors @ query), kind="stable")[:10]
        assert [h.chunk for h in hits] == list(expected)
        assert np.allclose([h.score for h in hits], (vectors @ query)[expected], atol=1e-5)


def test_bm25_finds_the_rare_term_first(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    idx = NotesBot(notes, tmp_path / "idx", embedder=fake).ensure_index()
    hits = retrieval.bm25(idx, "swimming pool rubber ring", 5)
    assert "rubber ring" in idx.chunks[hits[0].chunk].text
    assert retrieval.bm25(idx, "zzzz qqqq", 5) == []


def test_rrf_by_hand() -> None:
    fused = retrieval.rrf([[Hit(1, 0.9), Hit(2, 0.8)], [Hit(2, 5.0), Hit(3, 4.0)]], k=60)
    assert [h.chunk for h in fused] == [2, 1, 3]
    assert abs(fused[0].score - (1 / 62 + 1 / 61)) < 1e-12
    assert abs(fused[1].score - 1 / 61) < 1e-12


def test_convex_fusion_by_hand() -> None:
    dense = [Hit(1, 0.9), Hit(2, 0.7), Hit(3, 0.5)]  # scaled to 1, 0.5, 0
    lexical = [Hit(3, 12.0), Hit(2, 4.0)]  # scaled to 1, 0
    fused = retrieval.convex([dense, lexical], [0.6, 0.4])
    assert [h.chunk for h in fused] == [1, 3, 2]
    assert [round(h.score, 9) for h in fused] == [0.6, 0.4, 0.3]
    assert [h.chunk for h in retrieval.convex([[Hit(5, 2.0)], []], [0.5, 0.5])] == [5]


def test_modes_return_k_passages(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    bot = NotesBot(notes, tmp_path / "idx", embedder=fake)
    for mode in ("hybrid", "dense", "bm25"):
        passages = bot.search("Taiwan nuclear", k=5, mode=mode)
        assert 1 <= len(passages) <= 5
        scores = [p.score for p in passages]
        if mode == "bm25":
            assert scores == sorted(scores, reverse=True)
        else:  # the top 3, which answers draw on, are ordered by their best sentence; the rest by score
            assert scores[3:] == sorted(scores[3:], reverse=True) and min(scores[:3]) >= max(scores[3:], default=0)
    everything = bot.search("Taiwan", k=100, mode="dense")  # neighbours may be joined: every line is shown once
    shown = sorted((p.source, n) for p in everything for n in range(p.start_line, p.end_line + 1))
    chunks = bot.ensure_index().chunks
    assert shown == sorted((c.source, n) for c in chunks for n in range(c.start_line, c.end_line + 1))


def test_without_answer_first_every_mode_keeps_its_score_order(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    settings = Settings(corpus=notes, index=tmp_path / "idx", answer_first=False)
    bot = NotesBot(settings=settings, embedder=fake)
    reordered = NotesBot(notes, tmp_path / "idx", embedder=fake)
    moved = False
    for question in ("Taiwan nuclear", "why did Mao launch the Great Leap Forward?", "the swimming pool", "aid"):
        for mode in ("hybrid", "dense"):
            scores = [p.score for p in bot.search(question, k=10, mode=mode)]
            assert scores == sorted(scores, reverse=True), (question, mode)
            moved |= [p.text for p in reordered.search(question, k=3, mode=mode)] != [
                p.text for p in bot.search(question, k=3, mode=mode)
            ]
    assert moved, "answer-first ordering changes some top three, so the check above can fail"


def test_bm25_ranking_is_the_score_order(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    idx = NotesBot(notes, tmp_path / "idx", embedder=fake).ensure_index()
    for question in ("Mao Stalin treaty", "the Great Leap Forward famine", "nuclear Taiwan 1958", "war"):
        scores = idx.bm25.get_scores([t for t in retrieval.terms(question) if t in idx.bm25.vocab_dict])
        for n in (1, 3, 10, 100):
            hits = retrieval.bm25(idx, question, n)
            assert all(type(h.chunk) is int and type(h.score) is float for h in hits)
            assert [h.score for h in hits] == [float(scores[h.chunk]) for h in hits]
            assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
            assert len({h.chunk for h in hits}) == len(hits) == min(n, int((scores > 0).sum()))
            assert all(h.score > 0 for h in hits)
            if hits:  # nothing left out scores above the last one returned
                assert (scores > hits[-1].score).sum() <= len(hits)


def test_prompts_and_passages_about_another_time_go_last(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    idx = NotesBot(notes, tmp_path / "idx", embedder=fake).ensure_index()
    hits = [Hit(i, 1.0) for i in range(len(idx.chunks))]
    prompts = [h.chunk for h in hits if is_prompt_chunk(idx.chunks[h.chunk])]
    assert len(prompts) == 1 and idx.chunks[prompts[0]].text.startswith("Jason Gordon"), "the essay's assignment"
    assert [h.chunk for h in retrieval.demote(idx, "was it a natural alliance?", hits)] == [
        *(h.chunk for h in hits if h.chunk not in prompts),
        *prompts,
    ]
    moved = retrieval.demote(idx, "why did they stay allies in 1954-57?", hits)
    assert sorted(h.chunk for h in moved) == [h.chunk for h in hits]
    late = [idx.chunks[h.chunk].embed_text for h in moved[-10:]]
    assert "5.1 Aug 1958" in " ".join(late) and not any("1954-57" in text for text in late)
    first_late = next(i for i, h in enumerate(moved) if out_of_time(Span(1954, 1957), idx.chunks[h.chunk].embed_text))
    assert all(
        out_of_time(Span(1954, 1957), idx.chunks[h.chunk].embed_text) or is_prompt_chunk(idx.chunks[h.chunk])
        for h in moved[first_late:]
    )
    assert any("1954-57" in idx.chunks[h.chunk].embed_text for h in moved[:first_late])
    asked = retrieval.demote(idx, "what question was the essay written to answer in 1958?", hits)
    assert [h.chunk for h in asked] == prompts + [h.chunk for h in hits if h.chunk not in prompts], (
        "a question about the essay's question has the prompt first, and nothing moved for time"
    )
    short = retrieval.demote(idx, "why did they stay allies from 54 to 57?", hits, reference=1955)
    assert [h.chunk for h in short] == [h.chunk for h in moved], "years written short, read near the notes' years"
    counted = retrieval.demote(idx, "why did the USSR withdraw 1390 experts?", hits)
    assert [h.chunk for h in counted] == [h.chunk for h in hits if h.chunk not in prompts] + prompts, (
        "years no passage names (a count) move nothing"
    )


def test_late_interaction_ranks_the_chunk_holding_the_question_words_first(notes: Path, tmp_path: Path) -> None:
    embedder = TokenFakeEmbedder()
    bot = NotesBot(notes, tmp_path / "idx", embedder=embedder)
    idx = bot.ensure_index()
    asked = late.question_tokens(embedder.encode_tokens(["what was the rubber ring at the swimming pool?"])[0])
    ranking = retrieval.late_ranking(idx, asked, list(range(len(idx.chunks))))
    assert "rubber ring" in idx.chunks[ranking[0].chunk].text
    assert [h.score for h in ranking] == sorted((h.score for h in ranking), reverse=True)
    embedder.token_calls.clear()
    passages = bot.search("what was the rubber ring at the swimming pool?", k=3)
    assert embedder.token_calls and "rubber ring" in passages[0].text, "hybrid search encodes the question's tokens"
    embedder.token_calls.clear()
    bot.search("rubber ring", k=3, mode="dense")
    assert not embedder.token_calls, "dense search alone needs no tokens"


def test_outline_numbers_are_no_words_to_bm25(tmp_path: Path, fake: FakeEmbedder) -> None:
    from notesbot.text import without_outline_numbers

    crumb = "3 Causes > 3.1 The Great Leap Forward\n3.1.2 peasants rushed 1958 steel quotas"
    assert without_outline_numbers(crumb) == "Causes > The Great Leap Forward\npeasants rushed 1958 steel quotas"
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("1 Causes\n1.3 Land reform angered landlords\n2 Results\n2.1 Three harvests failed\n")
    idx = NotesBot(notes, tmp_path / "idx", embedder=fake, settings=Settings(chunk_chars=50)).ensure_index()
    assert len(idx.chunks) == 2
    hits = retrieval.bm25(idx, "three", 5)
    assert [idx.chunks[h.chunk].text for h in hits] == [c.text for c in idx.chunks if "Three harvests" in c.text]


def test_a_word_with_accents_matches_it_without(tmp_path: Path, fake: FakeEmbedder) -> None:
    """Students type "Muller" for "Müller" and "cafe" for "café"."""
    assert retrieval.terms("Müller's café in Zürich") == retrieval.terms("Muller's cafe in Zurich")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("Müller showed that rats learn mazes.\n\nThe café closed in 1990.\n", encoding="utf-8")
    idx = NotesBot(notes, tmp_path / "idx", embedder=fake, settings=Settings(chunk_chars=50)).ensure_index()
    hits = retrieval.bm25(idx, "what did Muller show", 5)
    assert idx.chunks[hits[0].chunk].text.startswith("Müller")


def test_number_words_match_digits_both_ways(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    assert retrieval.terms("the Fourteen Points of the two leaders") == retrieval.terms(
        "the 14 Points of the 2 leaders"
    )
    assert retrieval.terms("one plate slides under another") == ["one", "plate", "slide", "under", "anoth"]
    assert retrieval.terms("Twenty-One Demands, forty two ships") == retrieval.terms("21 Demands, 42 ships")
    assert retrieval.terms("twenty, one by one") == ["20", "one", "one"]
    for wrapped in ("Twenty\nOne Demands", "twenty-\none demands", "twenty  one demands", "twenty\u2013one demands"):
        assert retrieval.terms(wrapped) == ["21", "demand"]  # as the question "twenty one demands" reads
    assert retrieval.terms("twenty\n\none") == ["20", "one"]  # a blank line parts them
    assert retrieval.terms("Jan 59, 3 Sept, aug 1958") == retrieval.terms("January 59, 3 September, August 1958")
    for short, whole in (("Jan-59", "January-59"), ("12  Dec", "12 December"), ("Aug\n1958", "August 1958")):
        assert retrieval.terms(short) == retrieval.terms(whole), short
    assert retrieval.terms("Oct 1958-Jan 59") == retrieval.terms("October 1958-January 59")
    assert "august" not in retrieval.terms("the 2 Aug-based plans")
    assert retrieval.terms("they may march") == ["may", "march"], "verbs that are months stay as they are"
    for other in ("Jan Smuts", "the APR is 5", "Dec. of Independence", "in Oct"):  # no number beside it, or capitals
        assert not {"januari", "april", "decemb", "octob"} & set(retrieval.terms(other)), other
    idx = NotesBot(notes, tmp_path / "idx", embedder=fake).ensure_index()
    assert "united 2 powerful armies" in idx.chunks[retrieval.bm25(idx, "two powerful armies", 1)[0].chunk].text


def test_top_passages_naming_the_years_asked_about_come_first(tmp_path: Path, fake: FakeEmbedder) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("The allies stay together because each needed the other.\n", encoding="utf-8")
    (notes / "b.txt").write_text("Trade between the two grew steadily.\n", encoding="utf-8")
    (notes / "c.txt").write_text("From 1954 to 1957 the allies stayed together as aid flowed.\n", encoding="utf-8")
    bot = NotesBot(notes, tmp_path / "idx", embedder=fake)
    asked = "why did the allies stay together in 1955?"
    found = bot._retrieve(asked, 3, "hybrid", None, need_vector=True)
    timed = pipeline._in_time(found)
    assert [found.passages[i].source for i in timed] == ["c.txt"]
    assert bot.search(asked, k=3)[0].source == "c.txt"
    untimed = bot._retrieve("why did the allies stay together?", 3, "hybrid", None, need_vector=True)
    assert pipeline._in_time(untimed) == []
    short = bot._retrieve("why did the allies stay together in the mid 50s?", 3, "hybrid", None, need_vector=True)
    assert bot._notes(short.index).reference_year == 1954
    assert [short.passages[i].source for i in pipeline._in_time(short, 1954)] == ["c.txt"], "near the notes' years"
    assert pipeline._in_time(short) == []


def test_a_note_with_one_top_level_heading_has_it_for_a_title(tmp_path: Path, fake: FakeEmbedder) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    germany = (
        "The Kaiser abdicated in 1918 as the army gave up and the sailors mutinied at Kiel. " * 3
        + "A republic was declared in Berlin."
    )
    italy = (
        "Mussolini took power in 1922 after the March on Rome, and the king gave way to him. " * 3
        + "His blackshirts held the streets."
    )
    (notes / "europe.md").write_text(
        f"# Europe 1900-1945\n## Germany\n{germany}\n## Italy\n{italy}\n", encoding="utf-8"
    )
    (notes / "outline.txt").write_text("1 Causes\n1.1 Alliances\n2 Outbreak\n2.1 Sarajevo\n", encoding="utf-8")
    (notes / "essay.txt").write_text("An essay with no headings at all.\n", encoding="utf-8")
    bot = NotesBot(notes, tmp_path / "idx", embedder=fake)
    assert bot._titled(bot.ensure_index()) == frozenset({"europe.md"})
    chunks = [c for c in bot.ensure_index().chunks if c.source == "europe.md"]
    assert len(chunks) == 2 and neighbours.joinable(chunks[0], chunks[1], 700)  # they would join, but for the title
    passages = bot.search("Germany Italy Kaiser Mussolini", k=5)
    assert not any(p.source == "europe.md" and p.start_line <= 3 and p.end_line >= 5 for p in passages)
    assert {p.start_line for p in passages if p.source == "europe.md"} == {1, 4}
