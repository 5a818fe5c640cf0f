"""Show passages that are neighbours in the notes, both ranked near the top, as one passage."""

from __future__ import annotations

from dataclasses import replace

from .config import DEFAULT_NEIGHBOUR_REACH
from .types import Answer, Chunk, Passage, Sentence

Place = tuple[int, int]  # where an old passage's text is after joining: the new passage's rank, its offset there


def joinable(first: Chunk, second: Chunk, limit: int, titled: frozenset[str] = frozenset()) -> bool:
    """Whether ``second`` follows ``first`` in the same file with only line breaks between them (at most one
    blank line: nothing of the notes is left out), under the same top-level heading, and the two together
    stay within ``limit`` characters. In a file of ``titled``, whose one top-level heading is its title
    ("# Europe 1900-1945" above every "## ..."), the heading below the title must be the same."""
    gap = second.start - first.end
    lines = second.start_line - first.end_line
    depth = 2 if first.source in titled else 1
    return (
        first.source == second.source
        and 1 <= lines <= 2
        and gap == lines
        and _labels(first.heading)[:depth] == _labels(second.heading)[:depth]
        and len(first.text) + gap + len(second.text) <= limit
    )


def joined(first: Chunk, second: Chunk) -> Chunk:
    """The span from ``first`` to ``second`` (which ``joinable`` allows), under the headings both have."""
    common = []
    for a, b in zip(_labels(first.heading), _labels(second.heading)):
        if a != b:
            break
        common.append(a)
    return replace(
        first,
        text=first.text + "\n" * (second.start_line - first.end_line) + second.text,
        end_line=second.end_line,
        end=second.end,
        heading=" > ".join(common) or None,
        last_page=second.last_page,
    )


def join(
    passages: list[Passage],
    chunks: list[Chunk],
    limit: int,
    reach: int = DEFAULT_NEIGHBOUR_REACH,
    titled: frozenset[str] = frozenset(),
) -> tuple[list[Passage], list[Place]]:
    """``passages`` (``chunks[i]`` the span of ``passages[i]``) with each one that neighbours a passage ranked
    at most ``reach`` places above it joined into that one, and where each old passage now is. A joined
    passage takes the higher rank and the higher score of the two; highlights move with their text."""
    spans = list(chunks)
    members = [[i] for i in range(len(passages))]  # the old passages each new one holds
    i = 0
    while i < len(spans):
        pair = next(filter(None, (_ordered(spans, i, j, limit, titled) for j in range(i + 1, i + 1 + reach))), None)
        if pair is None:
            i += 1
            continue
        first, second = pair
        spans[i], members[i] = joined(spans[first], spans[second]), members[first] + members[second]
        lower = second if first == i else first
        del spans[lower], members[lower]
    places = [(0, 0)] * len(passages)
    for rank, held in enumerate(members):
        for old in held:
            places[old] = (rank, chunks[old].start - spans[rank].start)
    out = [
        _passage(span, [passages[m] for m in held], [places[m][1] for m in held]) for span, held in zip(spans, members)
    ]
    return out, places


def shown(chunks: list[Chunk], limit: int, titled: frozenset[str] = frozenset()) -> int:
    """How many passages the ranked ``chunks`` make once joined."""
    return len(join([Passage.from_chunk(c, 0.0) for c in chunks], chunks, limit, titled=titled)[0])


def join_answer(
    answer: Answer, chunks: list[Chunk], limit: int, k: int, titled: frozenset[str] = frozenset()
) -> Answer:
    """``answer`` with its passages joined (``join``) and cut to ``k``, its sentences pointing into them."""
    passages, places = join(answer.passages, chunks, limit, titled=titled)
    sentences = [_moved(s, places[s.passage]) for s in answer.sentences]
    return replace(answer, passages=passages[:k], sentences=sentences)


def _ordered(spans: list[Chunk], i: int, j: int, limit: int, titled: frozenset[str]) -> tuple[int, int] | None:
    """``i`` and ``j`` in the order of the file when their spans can be joined, else None."""
    if j >= len(spans):
        return None
    first, second = (i, j) if spans[i].start < spans[j].start else (j, i)
    return (first, second) if joinable(spans[first], spans[second], limit, titled) else None


def _passage(span: Chunk, parts: list[Passage], shifts: list[int]) -> Passage:
    highlights = sorted((a + shift, b + shift) for part, shift in zip(parts, shifts) for a, b in part.highlights)
    score = max(p.score for p in parts)
    return replace(Passage.from_chunk(span, score), highlights=tuple(highlights))


def _moved(sentence: Sentence, place: Place) -> Sentence:
    rank, shift = place
    return replace(sentence, passage=rank, start=sentence.start + shift, end=sentence.end + shift)


def _labels(heading: str | None) -> list[str]:
    return heading.split(" > ") if heading else []


__all__ = ["Place", "join", "join_answer", "joinable", "joined", "shown"]
