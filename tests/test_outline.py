"""Which lines are outline points: numbering that goes on, not dates nor the figures wrapped prose goes on with."""

from __future__ import annotations

from notesbot.chunking import bm25_text, chunk_document
from notesbot.outline import rows
from notesbot.types import Document

from .conftest import ROOT

WRAPPED = (
    "Eyewitness testimony\n\n"
    "Loftus and Palmer carried out their study on\n"
    "leading questions in 1974 with 45 students. When\n"
    "the verb was smashed the mean speed estimate was\n"
    "40.8 mph, but when the verb was contacted it was\n"
    "only 31.8 mph.\n"
)
TIMELINE = "Key dates for the exam\n6 May 1997 Gordon Brown gives the Bank its independence.\n24 Feb 2022 War.\n"


def test_every_numbered_line_of_the_shipped_outline_is_a_point() -> None:
    lines = (ROOT / "corpus" / "sino-soviet-relations-1954-58-notes.txt").read_text(encoding="utf-8").split("\n")
    numbered = {n for n, line in enumerate(lines) if line[:1].isdigit()}
    assert len(numbered) > 25 and rows(lines) == numbered


def test_a_figure_that_wrapped_prose_goes_on_with_is_no_point() -> None:
    assert rows(WRAPPED.split("\n")) == set()
    chunks = chunk_document(Document("loftus.txt", WRAPPED, "0"))
    assert all(c.heading in (None, "Eyewitness testimony") for c in chunks)
    said = [c.text[a:b] for c in chunks for a, b in c.sentences]
    assert any("the verb was smashed the mean speed estimate was\n40.8 mph" in s for s in said)


def test_a_date_at_a_line_start_is_no_point() -> None:
    assert rows(TIMELINE.split("\n")) == set()
    (chunk,) = chunk_document(Document("dates.txt", TIMELINE, "0"))
    said = [chunk.text[a:b] for a, b in chunk.sentences]
    assert "6 May 1997 Gordon Brown gives the Bank its independence." in said
    assert bm25_text(chunk).split("\n")[1].startswith("6 May 1997")


def test_numbering_that_goes_on_is_a_point_even_in_lower_case_after_prose() -> None:
    lines = [
        "The causes of the First World War in Europe, a summary of the lectures",
        "1 Nationalism",  # capitalised under a long title: a point
        "2 militarism and the arms race",  # goes on from 1
        "2.1 the naval race between Britain and Germany",  # goes on from 2, in lower case
        "the naval race was the most visible part, and Britain spent",
        "40 per cent of the budget on it",  # neither goes on nor stands apart: the prose above runs on
        "3 goes on from 2, whatever is above it",
    ]
    assert rows(lines) == {1, 2, 3, 6}


def test_a_lower_case_outline_under_a_long_title_is_an_outline() -> None:
    lines = [
        "Causes of the First World War in Europe 1900-1914",
        "1 militarism was a long-term cause of the arms race",
        "1.1 the naval race between britain and germany after 1906",
        "2 alliances turned a local conflict into a european war",
    ]
    assert rows(lines) == {1, 2, 3}


def test_dates_and_figures_inside_an_outline_are_no_points() -> None:
    lines = [
        "1 The July Crisis",
        "2 The declarations of war",
        "3 August 1914 Germany declared war on France",
        "4 August 1914 Britain declared war on Germany",
        "2.1 in the smashed condition the mean speed estimate given by participants was",
        "40.8 mph, but in the contacted condition it was only 31.8 mph",
    ]
    assert rows(lines) == {0, 1, 4}


def test_numbering_goes_on_in_order_and_dates_need_a_year() -> None:
    lines = [
        "1 The 1997 election",
        "2 The Western Front",
        "The Battle of the Somme was one of the bloodiest battles in history, with more than",
        "1 million men killed or wounded on all sides by the end of the battle in November 1916.",
        "3 March on Rome",  # a heading, not a date: no year
        "3.1 thousands of Fascists converged on the capital",
        "8 june 1989 protests in the square",  # a date in lower case: no point, though 8 and 9 follow
        "9 november 1989 the berlin wall falls",
    ]
    assert rows(lines) == {0, 1, 4, 5}


def test_a_list_that_starts_past_one_is_still_a_point_after_a_blank_line() -> None:
    assert rows(["", "3 Causes of the war", "3.1 Alliances"]) == {1, 2}
    assert rows(["We met at", "3 pm on the day before the vote was held in the hall"]) == {1}  # short line above


def test_bm25_leaves_out_the_numbers_the_chunker_read_as_points() -> None:
    text = (
        "1 The Treaty of Versailles and its consequences for Germany\n"
        + "\n".join(f"1.{n} the treaty took land number {n} away from germany and gave it on" for n in range(1, 12))
        + "\n2 three causes were given\n"
    )
    chunks = chunk_document(Document("v.txt", text, "0"), 200)
    assert len(chunks) > 2 and any(c.context for c in chunks)
    for chunk in chunks:
        kept = bm25_text(chunk)
        assert not any(line[:1].isdigit() for line in kept.split("\n")), kept
