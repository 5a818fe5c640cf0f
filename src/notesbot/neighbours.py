"""Show passages that are neighbours in the notes, both ranked near the top, as one passage."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .config import DEFAULT_NEIGHBOUR_REACH
from .types import Answer, Chunk, Passage, Sentence


@dataclass(frozen=True)
class Place:
    """Where an old passage's text sits after joining: the new passage's rank and the text's offset in it."""

    rank: int
    shift: int


def joinable(first: Chunk, second: Chunk, limit: int) -> bool:
    """Whether ``second`` follows ``first`` in the same file with only line breaks between them (at most one
    blank line: nothing of the notes is left out), under the same top-level heading, and the two together
    stay within ``limit`` characters."""
    gap = second.start - first.end
    lines = second.start_line - first.end_line
    return (
        first.source == second.source
        and 1 <= lines <= 2
        and gap == lines
        and _top(first.heading) == _top(second.heading)
        and len(first.text) + gap + len(second.text) <= limit
    )


def joined(first: Chunk, second: Chunk) -> Chunk:
    """The span from ``first`` to ``second`` (which ``joinable`` allows), under the headings they share."""
    gap = "\n" * (second.start_line - first.end_line)
    return replace(
        first,
        text=first.text + gap + second.text,
        end_line=second.end_line,
        end=second.end,
        heading=_shared(first.heading, second.heading),
    )


def join(
    passages: list[Passage], chunks: list[Chunk], limit: int, reach: int = DEFAULT_NEIGHBOUR_REACH
) -> tuple[list[Passage], list[Place]]:
    """``passages`` (``chunks[i]`` the span of ``passages[i]``) with each one that neighbours a passage ranked
    at most ``reach`` places above it joined into that one, and where each old passage now sits. A joined
    passage keeps the higher rank and its score; highlights move with their text."""
    spans = list(chunks)
    ranks: list[list[int]] = [[i] for i in range(len(passages))]  # old passages in each new one
    i = 0
    while i < len(spans):
        j = next((j for j in range(i + 1, min(len(spans), i + 1 + reach)) if _pair(spans, i, j, limit)), None)
        if j is None:
            i += 1
            continue
        first, second = sorted((i, j), key=lambda n: spans[n].start)
        spans[i] = joined(spans[first], spans[second])
        ranks[i] = ranks[first] + ranks[second]
        del spans[j], ranks[j]
    places = _places(chunks, spans, ranks)
    out = [_passage(spans[n], passages, members, places) for n, members in enumerate(ranks)]
    return out, places


def join_answer(answer: Answer, chunks: list[Chunk], limit: int, k: int) -> Answer:
    """``answer`` with its passages joined (``join``) and cut to ``k``, its sentences pointing into them."""
    passages, places = join(answer.passages, chunks, limit)
    sentences = [_moved(s, places[s.passage]) for s in answer.sentences]
    return replace(answer, passages=passages[:k], sentences=sentences)


def _pair(spans: list[Chunk], i: int, j: int, limit: int) -> bool:
    first, second = sorted((spans[i], spans[j]), key=lambda c: c.start)
    return joinable(first, second, limit)


def _places(chunks: list[Chunk], spans: list[Chunk], ranks: list[list[int]]) -> list[Place]:
    places = [Place(0, 0)] * len(chunks)
    for rank, members in enumerate(ranks):
        for old in members:
            places[old] = Place(rank, chunks[old].start - spans[rank].start)
    return places


def _passage(span: Chunk, passages: list[Passage], members: list[int], places: list[Place]) -> Passage:
    highlights = sorted((a + places[m].shift, b + places[m].shift) for m in members for a, b in passages[m].highlights)
    score = passages[min(members)].score  # the best ranked of them
    return Passage(span.text, span.source, span.start_line, span.end_line, span.heading, score, tuple(highlights))


def _moved(sentence: Sentence, place: Place) -> Sentence:
    return replace(sentence, passage=place.rank, start=sentence.start + place.shift, end=sentence.end + place.shift)


def _top(heading: str | None) -> str | None:
    return heading.split(" > ")[0] if heading else None


def _shared(a: str | None, b: str | None) -> str | None:
    """The breadcrumb labels two headings share from the top ("2 X > 2.2 Y" and "2 X > 2.3 Z": "2 X")."""
    left, right = (a or "").split(" > "), (b or "").split(" > ")
    common = []
    for x, y in zip(left, right):
        if x != y:
            break
        common.append(x)
    return " > ".join(common) or None


__all__ = ["Place", "join", "join_answer", "joinable", "joined"]
