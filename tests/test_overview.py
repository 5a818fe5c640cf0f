"""Questions about whole notes: which notes they name, and the overview they are answered with."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from notesbot import NotesBot
from notesbot.errors import ConfigError
from notesbot.overview import asked, name, named, topic
from notesbot.types import Answer

from .conftest import FakeEmbedder

SOURCES = ["cold-war-essay.txt", "lecture-7.md", "revision-notes.txt"]
NAMES = {source: name(source, None) for source in SOURCES}
ESSAY = (
    "Jason Gordon 19 March 2023\n"
    "\n"
    "Why did the alliance form? Explain the factors for and against it.\n"
    "\n"
    "In 1950 Mao and Stalin forged the alliance. Both sides distrusted each other. "
    "They allied out of isolation and need.\n"
    "\n"
    "The Americans misread it as natural.\n"
    "\n"
    "In the end the alliance was one of necessity. It was never natural.\n"
)
LECTURE = (
    "# Respiration\n"
    "\n"
    "## Glycolysis\n"
    "Glucose is split in the cytoplasm.\n"
    "\n"
    "## Krebs cycle\n"
    "It turns twice per glucose.\n"
    "\n"
    "## Electron transport chain\n"
    "Protons flow back through ATP synthase.\n"
)
OUTLINE = "1 Introduction\n1.1 Stalin died in 1953\n2 The Great Leap Forward 1958\n2.1 It rejected the Soviet model\n"


@pytest.mark.parametrize(
    ("question", "notes"),
    [
        ("What is the essay about?", ["cold-war-essay.txt"]),
        ("What's the essay's main argument?", ["cold-war-essay.txt"]),
        ("What does the essay conclude?", ["cold-war-essay.txt"]),
        ("Summarise my lecture", ["lecture-7.md"]),
        ("What are my notes about?", SOURCES),
        ("Give me an overview of my revision notes", ["revision-notes.txt"]),
        ("Can you summarise the essay?", ["cold-war-essay.txt"]),
        ("Sum up the essay", ["cold-war-essay.txt"]),
        ("What are the key themes of the essay?", ["cold-war-essay.txt"]),
        ("How does the essay end?", ["cold-war-essay.txt"]),
    ],
)
def test_a_question_about_a_whole_note_names_it(question: str, notes: list[str]) -> None:
    assert asked(question, NAMES) == notes


@pytest.mark.parametrize(
    "question",
    [
        "What does the essay say about Stalin?",
        "What did Mao conclude about Khrushchev?",
        "What was the essay question?",
        "What is the Great Leap Forward about?",
        "What are the main points of the Krebs cycle?",
        "What is the structure of the lecture theatre?",
        "What did Milgram conclude?",
        "What is the structure of DNA?",
    ],
)
def test_a_question_about_something_inside_the_notes_is_no_overview(question: str) -> None:
    assert asked(question, NAMES) is None


def test_a_question_naming_a_kind_of_note_is_asked_of_those_notes() -> None:
    assert named("How much aid did the US give Japan, according to the essay?", NAMES) == ["cold-war-essay.txt"]
    assert named("What does my lecture say about glycolysis?", NAMES) == ["lecture-7.md"]
    assert named("What were Sino-Soviet relations like?", NAMES) is None  # no kind of note named
    assert named("What do my notes say about glycolysis?", NAMES) is None  # "notes": all of them
    assert named("Outline the causes of the First World War.", NAMES) is None  # a verb, not a kind of note
    folders = {s: name(s, None) for s in ("lectures/week3.md", "plan.md")}
    assert named("According to my lectures, when did Russia mobilise?", folders) == ["lectures/week3.md"]
    essays = {s: name(s, None) for s in ("a-essay.txt", "b-essay.txt")}
    assert named("What does the essay say?", essays) is None  # every note: no filter


def test_a_note_is_also_named_by_its_title() -> None:
    titled = {"resp.md": name("resp.md", "Cellular Respiration — Lecture 7"), "enzymes.md": name("enzymes.md", None)}
    assert asked("What is the lecture about?", titled) == ["resp.md"]
    assert named("What does the lecture say about ATP?", titled) == ["resp.md"]


@pytest.fixture
def bot(tmp_path: Path) -> NotesBot:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "cold-war-essay.txt").write_text(ESSAY, encoding="utf-8")
    (notes / "lecture-7.md").write_text(LECTURE, encoding="utf-8")
    (notes / "revision-notes.txt").write_text(OUTLINE, encoding="utf-8")
    return NotesBot(notes, tmp_path / "index", embedder=FakeEmbedder())


def test_an_essay_is_summed_up_by_its_opening_paragraph_and_concluded_by_its_last(bot: NotesBot) -> None:
    about = bot.ask("What is the essay about?")
    assert about.answer == (
        "In 1950 Mao and Stalin forged the alliance. [cold-war-essay.txt:5] "
        "They allied out of isolation and need. [cold-war-essay.txt:5]"
    )
    assert about.confidence == 1.0 and not about.abstained
    assert [p.text[a:b] for p in about.passages for a, b in p.highlights] == [s.text for s in about.sentences]
    end = bot.ask("What does the essay conclude?")
    assert end.answer == (
        "In the end the alliance was one of necessity. [cold-war-essay.txt:9] It was never natural. "
        "[cold-war-essay.txt:9]"
    )


def test_headed_notes_are_summed_up_by_their_section_headings(bot: NotesBot) -> None:
    lecture = bot.ask("Summarise my lecture")
    assert [(s.text, s.line) for s in lecture.sentences] == [
        ("Glycolysis", 3),
        ("Krebs cycle", 6),
        ("Electron transport chain", 9),
    ]
    outline = bot.ask("what do my revision notes cover?")
    assert [(s.text, s.line) for s in outline.sentences] == [
        ("1 Introduction", 1),
        ("2 The Great Leap Forward 1958", 3),
    ]


def test_an_overview_of_several_notes_keeps_to_k_passages(bot: NotesBot) -> None:
    whole = bot.ask("What are my notes about?", k=2)
    assert len(whole.passages) <= 2
    shown = {(p.source, p.start_line, p.end_line) for p in whole.passages}
    assert all(
        (whole.passages[s.passage].source, s.line) in {(a, line) for a, b, c in shown for line in range(b, c + 1)}
        for s in whole.sentences
    )


def test_a_note_titled_by_its_one_top_heading_is_named_by_it(bot: NotesBot) -> None:
    """ "lecture-7.md" is all under "# Respiration": a question may call it the respiration notes; the outline's
    first point ("1 Introduction") is no title, so "the introduction" names no note."""
    whole = bot.ask("What do my respiration notes cover?")
    assert {s.source for s in whole.sentences} == {"lecture-7.md"} and whole.confidence == 1.0
    inside = bot.ask("What does the introduction cover?")
    assert not any("whole notes" in notice for notice in inside.notices)


def test_a_note_named_that_does_not_hold_the_answer_leaves_the_question_to_every_note(
    bot: NotesBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked_of: list[object] = []
    answer = bot._answer

    def recording(question: str, k: int, mode: str, sources: list[str] | None, notices: list[str]) -> Answer:
        asked_of.append(sources)
        found = answer(question, k, mode, sources, notices)
        return replace(found, abstained=True, answer=None) if sources else found

    monkeypatch.setattr(bot, "_answer", recording)
    result = bot.ask("According to the essay, what is split in the cytoplasm?")
    assert asked_of == [["cold-war-essay.txt"], None]  # the essay, then every note
    assert not any("asked of" in notice for notice in result.notices)


def test_an_ending_is_the_conclusion_section_not_the_references(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "stalin-essay.md").write_text(
        "Priya Sharma, History coursework, 3 March 2024\n\n## Rise\nStalin rose through the party. He was patient.\n\n"
        "## Conclusion\nStalin won by patience and control. Trotsky never stood a chance.\n\n"
        "## References\nService, R. (2004). Stalin. Macmillan.\n",
        encoding="utf-8",
    )
    (notes / "title-only.txt").write_text("Enzymes Lecture\n", encoding="utf-8")
    bot = NotesBot(notes, tmp_path / "index", embedder=FakeEmbedder())
    end = bot.ask("What does the essay conclude?")
    assert [s.text for s in end.sentences] == ["Stalin won by patience and control.", "Trotsky never stood a chance."]
    about = bot.ask("What is the essay about?")
    assert [s.text for s in about.sentences] == ["Rise", "Conclusion"]  # headed: its sections, not its sources
    argued = bot.ask("What does the essay argue?")  # an argument is read in the opening, headings or not
    assert [s.text for s in argued.sentences] == ["Stalin rose through the party.", "He was patient."]
    with pytest.raises(ConfigError):
        bot.ask("What is the essay about?", mode="bogus")
    nothing = bot.ask("What is the enzymes lecture about?")  # a title alone: no overview, asked as usual
    assert not any("whole notes" in notice for notice in nothing.notices)


def test_a_byline_is_no_opening_paragraph(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "essay.txt").write_text(
        "Priya Sharma, History coursework, 3 March 2024\n\nHow far was Nightingale a reformer?\n\n"
        "Nightingale changed nursing. She trained nurses and cut deaths at Scutari.\n",
        encoding="utf-8",
    )
    bot = NotesBot(notes, tmp_path / "index", embedder=FakeEmbedder())
    assert [s.text for s in bot.ask("What is the essay about?").sentences] == [
        "Nightingale changed nursing.",
        "She trained nurses and cut deaths at Scutari.",
    ]


def test_a_question_framed_by_the_notes_asks_about_its_topic() -> None:
    assert topic("What do my notes say about RuBisCO?") == "RuBisCO?"
    assert topic("what does my chemistry revision sheet say about temperature") == "temperature"
    assert topic("What does the essay say about Stalin?") == "Stalin?"
    assert topic("What do my notes say about?") == "What do my notes say about?"  # nothing after the frame
    assert topic("What did Khrushchev say about Stalin?") == "What did Khrushchev say about Stalin?"  # no frame
    zimmermann = "What did the Zimmermann note say about Mexico?"
    assert topic(zimmermann) == zimmermann  # a note of history, not the student's


def test_a_plain_essay_skips_its_byline_and_ends_before_its_references(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "essay.txt").write_text(
        "The Origins of the Cold War\nAlex Brown, History, 12 May 2024\n\n"
        "The Cold War began in mistrust. Both sides feared the other.\n\n"
        "In conclusion, neither side alone was to blame. Fear did the rest.\n\n"
        "References\nGaddis, J. (2005). The Cold War. Penguin.\n",
        encoding="utf-8",
    )
    bot = NotesBot(notes, tmp_path / "index", embedder=FakeEmbedder())
    about = bot.ask("What is the essay about?")
    assert [s.text for s in about.sentences] == ["The Cold War began in mistrust.", "Both sides feared the other."]
    end = bot.ask("What does the essay conclude?")
    assert [s.text for s in end.sentences] == ["In conclusion, neither side alone was to blame.", "Fear did the rest."]


def test_a_framed_question_is_asked_about_its_topic_not_answered_with_an_overview(bot: NotesBot) -> None:
    framed = bot.ask("What do my notes say about the structure of the respiration lecture?")
    assert not any("whole notes" in notice for notice in framed.notices)


def test_an_overview_of_several_notes_shows_at_most_k_passages(bot: NotesBot) -> None:
    for k in (1, 2, 3):
        whole = bot.ask("Summarise my notes", k=k)
        assert len(whole.passages) <= k and whole.sentences
        assert all(s.passage < len(whole.passages) for s in whole.sentences)
