"""Chat follow-ups: which questions lean on the one before, and what they are searched as."""

from __future__ import annotations

import pytest

from notesbot.followup import in_context, is_follow_up, leans_on


@pytest.mark.parametrize(
    "question",
    [
        "why?",
        "How so?",
        "tell me more",
        "and when?",
        "What about Khrushchev?",
        "how did he react?",
        "Why did it fail?",
        "how did Khrushchev see it?",
        "when was that?",
        "So what did they do?",
        "when did he win the Nobel Prize?",
        "so why?",
        "who gained?",
        "How many were killed?",
        "what was the result?",
        "who was killed?",
    ],
)
def test_questions_that_cannot_be_read_alone_are_follow_ups(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        "Why did Mao launch the Great Leap Forward?",
        "So why did Mao launch the Great Leap Forward?",
        "Why did Mao humiliate Khrushchev when he came to China?",
        "What is this essay about?",
        "What happened in that period of the war?",
        "What is TGLF?",
        "When did the war begin?",
        "What is ATP and why is it important?",
        "Who was Stalin and what did he do?",
        "So what is osmosis?",
        "Who was Hitler?",
        "What is photosynthesis?",
        "Where is ATP made?",
        "who was stalin",
        "where is rubisco",
        "who were the bolsheviks",
        "Is it true that Mao met Stalin in 1949?",
        "Why is it important to control variables?",
    ],
)
def test_questions_that_name_their_subject_stand_alone(question: str) -> None:
    assert not is_follow_up(question)


def test_a_follow_up_leans_on_the_last_question_that_stands_alone() -> None:
    chat = ["What did Khrushchev propose in 1958?", "why?", "and when?"]
    assert leans_on(chat) == "What did Khrushchev propose in 1958?"
    assert leans_on(["why?"]) is None and leans_on([]) is None


def test_a_follow_up_is_searched_with_its_question_and_without_its_opening_and() -> None:
    assert in_context("and when was that?", "Why did Mao launch it?") == "when was that? (did Mao launch it)"
    # the earlier question's words, not its question words: "why?" after "where ...?" asks for no place
    assert in_context("why?", "Where did Mao go in 1957?") == "why? (did Mao go in 1957)"
