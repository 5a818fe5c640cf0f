"""End to end with the real packaged model, on the shipped notes, with the network cut off."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from notesbot import NotesBot

from .conftest import ROOT, SHIPPED

pytestmark = pytest.mark.model
QUESTION = "why did Mao launch the Great Leap Forward?"


class NetworkUsed(AssertionError):
    pass


@pytest.fixture(scope="module")
def no_network() -> Iterator[None]:
    """Any attempt to open a connection or resolve a host fails the test."""
    saved = socket.socket.connect, socket.create_connection, socket.getaddrinfo

    def refuse(*args: object, **kwargs: object) -> None:
        raise NetworkUsed(f"network access attempted: {args[1:] if len(args) > 1 else args}")

    socket.socket.connect = refuse  # type: ignore[method-assign,assignment]
    socket.create_connection = refuse  # type: ignore[assignment]
    socket.getaddrinfo = refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.socket.connect, socket.create_connection, socket.getaddrinfo = saved  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, no_network: None) -> NotesBot:
    os.environ.pop("HF_HUB_OFFLINE", None)  # prove our own code turns the hub off
    bot = NotesBot(SHIPPED, tmp_path_factory.mktemp("idx") / "index")
    bot.update()
    return bot


def test_real_model_answers_the_readme_question(bot: NotesBot) -> None:
    result = bot.ask(QUESTION, k=5)
    top3 = result.passages[:3]
    assert any("rejection of the Soviet model" in p.text for p in top3)
    assert any("consciously distancing himself from the USSR" in p.text for p in top3)
    assert all(p.source == "sino-soviet-relations-1954-58-notes.txt" for p in top3[:2])
    # the check: the answer gives TGLF as a rejection of the Soviet model and M distancing himself from K
    assert result.answer is not None
    assert "rejection of the Soviet model of economic development [sino-soviet-relations-1954-58-notes.txt:9]" in (
        result.answer
    )
    assert "consciously distancing himself from the USSR" in result.answer
    assert "[sino-soviet-relations-1954-58-notes.txt:12]" in result.answer
    assert os.environ.get("HF_HUB_OFFLINE") == "1"


def test_initials_are_understood(bot: NotesBot) -> None:
    result = bot.ask("How did Mao humiliate Khrushchev at the swimming pool?", k=3)
    assert "rubber ring" in result.passages[0].text


def test_passages_are_short(bot: NotesBot) -> None:
    questions = [QUESTION, "Why did China need Soviet aid after the civil war?", "What happened over Taiwan in 1958?"]
    lengths = [len(p.text) for q in questions for p in bot.ask(q, k=3).passages]
    assert sum(lengths) / len(lengths) < 500


def test_cli_subprocess_json(tmp_path: Path) -> None:
    env = {**os.environ, "NOTESBOT_INDEX": str(tmp_path / "index"), "NOTESBOT_CORPUS": str(SHIPPED)}
    done = subprocess.run(
        [sys.executable, "-m", "notesbot", "ask", QUESTION, "what was the swimming pool incident?", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.strip().split("\n")]
    assert [r["question"] for r in rows] == [QUESTION, "what was the swimming pool incident?"]
    assert "Traceback" not in done.stderr


def test_readme_question_gets_a_cited_extractive_answer(bot: NotesBot) -> None:
    result = bot.ask(QUESTION)
    assert not result.abstained and result.answer
    assert "distancing himself from the USSR" in result.answer
    assert "[sino-soviet-relations-1954-58-notes.txt:" in result.answer
    notes = (SHIPPED / "sino-soviet-relations-1954-58-notes.txt").read_text()
    for sentence in result.sentences:
        assert sentence.text in notes.split("\n")[sentence.line - 1]


def test_the_passage_holding_the_answer_comes_first(bot: NotesBot) -> None:
    for question in (
        QUESTION,
        "What did Mao think of Khrushchev as a leader?",
        "Why did the United States isolate China after the war?",
        "What happened at the swimming pool?",
    ):
        result = bot.ask(question)
        assert not result.abstained, question
        first = result.sentences[0]
        assert first.passage == 0 and first.text in result.passages[0].text, (question, first)
        assert result.passages[0].highlights, "the answer's sentences are marked in the first passage"
    retrieved = [p.citation for p in bot.search(QUESTION, k=5, mode="bm25")]
    assert retrieved == [p.citation for p in bot.ask(QUESTION, k=5, mode="bm25").passages], "bm25 keeps its order"


def test_a_misspelt_question_is_answered_and_says_how_it_was_read(bot: NotesBot) -> None:
    result = bot.ask("tell me about the swiming pool incident")
    assert not result.abstained and result.answer and "rubber ring" in result.answer
    assert 'read "swiming" as "swimming"' in result.notices


def test_a_chatty_question_is_answered(bot: NotesBot) -> None:
    # "deal" and "thing" frame the question; notes that never say them are no sign the answer is missing
    result = bot.ask("so what was the deal with the swimming pool thing")
    assert not result.abstained and "rubber ring" in (result.answer or ""), result.confidence


def test_short_questions_in_the_notes_words_are_answered(bot: NotesBot) -> None:
    for question, words in (
        ("what was the honeymoon period?", "honeymoon period"),
        ("atom-free zone", "atom-free zone"),
        ("why did M launch the GLF?", "distancing himself"),
    ):
        result = bot.ask(question)
        assert not result.abstained and words in (result.answer or ""), (question, result.confidence)


def test_a_why_answer_gives_the_reason_beside_the_restated_claim(bot: NotesBot) -> None:
    for question, claim, reason in (
        ("why did Mao humiliate Khrushchev on his 2nd visit?", "This led to", "Differences over Taiwan"),
        ("why was Russia interested in Manchuria?", "historical interest", "warm-water ports"),
    ):
        answer = bot.ask(question).answer or ""
        assert claim in answer and reason in answer, (question, answer)


def test_off_topic_and_absent_questions_abstain(bot: NotesBot) -> None:
    for question in (
        "How does photosynthesis turn sunlight into energy?",
        "Who wrote Pride and Prejudice?",
        "What came out of Gorbachev's 1989 visit to Beijing?",
    ):
        result = bot.ask(question)
        assert result.abstained and result.answer is None, (question, result.confidence)
        assert result.passages, "closest matches are still listed"


def test_shipped_glossary_is_learned(bot: NotesBot) -> None:
    terms = {t["short"]: t["full"] for t in bot.ensure_index().glossary["terms"]}
    assert terms["M"] == "Mao" and terms["K"] == "Khrushchev"
    assert terms["TGLF"] == "The Great Leap Forward" and terms["comm"] == "communist" and terms["58"] == "1958"


def test_the_years_asked_about_pick_the_passage(bot: NotesBot) -> None:
    for question, line in (
        ("how did Mao and Khrushchev get on between 1954 and 1957?", 6),
        ("how did Mao and Khrushchev get on in 1958?", 25),
    ):
        first = bot.ask(question).passages[0]
        assert first.source.endswith("notes.txt") and first.start_line <= line <= first.end_line, (question, first)


def test_the_essay_assignment_is_not_taken_for_an_answer(bot: NotesBot) -> None:
    for question in ("was the alliance a natural one?", "when was the Sino-Soviet alliance created?"):
        result = bot.ask(question)
        assert not any(p.text.startswith("Jason Gordon") for p in result.passages[:3]), question
        assert result.answer and "?" not in result.answer, (question, result.answer)


def test_a_question_about_the_essay_question_is_answered_with_the_assignment(bot: NotesBot) -> None:
    result = bot.ask("Which question about the Sino-Soviet alliance was the essay written to answer?")
    assert result.passages[0].text.startswith("Jason Gordon"), result.passages[0]
    assert result.answer is not None and result.answer.startswith("Please explain the political origins"), result
    assert "To what extent" in result.answer and result.answer.endswith("[sino-soviet-alliance-origins-essay.txt:3]")
    vague = bot.ask("What were the essay questions?")  # "were", its only word left, is in every other sentence
    assert vague.answer is None or vague.answer.startswith("Please explain"), vague
    for question in ("What questions did the Taiwan crisis raise for Khrushchev?", "Why did Mao question Stalin?"):
        other = bot.ask(question)  # "question" of another kind
        assert other.answer and "Please explain" not in other.answer, other


def test_a_point_made_in_several_sentences_is_answered_whole(bot: NotesBot) -> None:
    answer = bot.ask("what did K offer M to stop attacking Taiwan?").answer or ""
    assert "nuclear secrets" in answer and "Even offered to send China a sample bomb" in answer, answer


def test_a_sentence_broken_by_a_blank_line_is_answered_whole(bot: NotesBot) -> None:
    answer = bot.ask("what did China need economic aid for?").answer or ""
    whole = "to fix its infrastructure, build its heavy industry, and attend to its runaway inflation."
    assert whole in answer and "sino-soviet-alliance-origins-essay.txt:7-9]" in answer, answer


WRAPPED = """# The Cuban Missile Crisis

In October 1962 the Soviet Union placed nuclear missiles in Cuba, which
alarmed the United States because the missiles could reach most American
cities within minutes. Kennedy ordered a naval quarantine of the island
rather than an air strike, giving Khrushchev time to back down.

The crisis ended when Khrushchev agreed to remove the missiles in exchange
for a public promise not to invade Cuba and a secret deal on the missiles
in Turkey.
"""


def test_prose_wrapped_by_hand_is_answered_in_whole_sentences(tmp_path: Path, no_network: None) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "cuba.md").write_text(WRAPPED, encoding="utf-8")
    wrapped = NotesBot(tmp_path / "notes", tmp_path / "index")
    answer = wrapped.ask("how did the crisis end?").answer or ""
    sentence = (
        "The crisis ended when Khrushchev agreed to remove the missiles in exchange for a public promise not to "
        "invade Cuba and a secret deal on the missiles in Turkey. [cuba.md:8-10]"
    )
    assert answer.startswith(sentence), answer


SHORT_ESSAY = """Essay 1

Explain the origins of the Sino-Soviet alliance of 1950. How far did Stalin trust Mao?

In Dec 1949 Mao travelled to Moscow. He stayed for two months. The treaty was signed on 14 Feb 1950.

Stalin distrusted Mao as a Titoist, a peasant nationalist rather than a true Leninist.
"""


def test_an_assignment_sharing_its_chunk_with_the_essay_is_the_essay_question(tmp_path: Path, no_network: None) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "essay.txt").write_text(SHORT_ESSAY, encoding="utf-8")
    essay = NotesBot(tmp_path / "notes", tmp_path / "index")
    assert len(essay.ensure_index().chunks) == 1, "the assignment and the essay are one chunk"
    answer = essay.ask("What was the essay question?").answer or ""
    assert (
        answer == "Explain the origins of the Sino-Soviet alliance of 1950. How far did Stalin trust Mao? [essay.txt:3]"
    )
