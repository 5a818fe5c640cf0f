"""Warm latency, in one process with the model loaded: NotesBot.ask (and its parts) on a built index.

    python benchmarks/warm.py --corpus DIR --index DIR --questions notes|scifact [--no-glossary]
                              [--rounds 3] [--reference [--reference-rounds 1]]

Prints one JSON line: p50/p90/min/max in ms of ask, search (retrieval only), question encoding and the
check that the index is current (which every ask makes), with
notesbot's query encoder and, with --reference, with the sentence-transformers encoder as the baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import ROOT, percentiles, rss_mb
from synthetic import scifact

from notesbot import NotesBot, Settings
from notesbot.embedding import SentenceTransformerEmbedder


class Reference:
    """sentence-transformers under another type, so NotesBot uses it for questions (the baseline)."""

    def __init__(self) -> None:
        self.inner = SentenceTransformerEmbedder()
        self.name, self.fingerprint, self.dim = self.inner.name, self.inner.fingerprint, self.inner.dim

    def encode(self, texts: list[str], progress: Any = None) -> np.ndarray:
        return self.inner.encode(texts, progress)


def questions(kind: str) -> list[str]:
    if kind == "notes":
        lines = (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["question"] for line in lines if line.strip()]
    return scifact()[2][:100]


def timings(bot: NotesBot, items: list[str], rounds: int) -> dict[str, Any]:
    start = time.perf_counter()
    bot.ask(items[0])  # load the index and the model
    first = time.perf_counter() - start
    encoder = bot.query_encoder
    upgrade = getattr(encoder, "upgrade", None)  # a long-lived process moves to ONNX Runtime: time steady state
    if upgrade is not None:
        start = time.perf_counter()
        upgrade(timeout=300)
        first += time.perf_counter() - start
    out: dict[str, list[float]] = {"ask": [], "search": [], "encode": [], "freshness": []}
    calls = {
        "encode": lambda q: encoder.encode([q]),
        "freshness": lambda q: bot.is_current(),
        "search": bot.search,
        "ask": bot.ask,
    }
    for _ in range(rounds):
        for question in items:
            for name, call in calls.items():
                start = time.perf_counter()
                call(question)
                out[name].append(time.perf_counter() - start)
    runtime = getattr(encoder, "runtime", type(encoder).__name__)
    return {k: percentiles(v) for k, v in out.items()} | {"encoder": runtime, "first_ask_s": first}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", choices=("notes", "scifact"), default="notes")
    parser.add_argument("--no-glossary", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reference", action="store_true")
    parser.add_argument("--reference-rounds", type=int, default=1)
    args = parser.parse_args()
    settings = Settings(glossary=not args.no_glossary)
    bot = NotesBot(args.corpus, args.index, settings=settings)
    if not bot.is_current():
        sys.exit(f"the index in {args.index} is not current: build it first")
    items = questions(args.questions)
    result: dict[str, Any] = {
        "chunks": len(bot.ensure_index().chunks),
        "questions": len(items),
        "rounds": args.rounds,
        "fast": timings(bot, items, args.rounds),
        "rss_mb": rss_mb(),
    }
    if args.reference:
        reference = NotesBot(args.corpus, args.index, settings=settings, embedder=Reference())
        result["reference"] = timings(reference, items, args.reference_rounds)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
