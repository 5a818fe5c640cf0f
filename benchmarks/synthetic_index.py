"""Build (once; cached) a synthetic corpus of N chunks and its notesbot index, through NotesBot.update.

    python benchmarks/synthetic_index.py --n N --anchors anchors.npy

The text is SciFact sentences (synthetic.py); the indexing embedder is synthetic.AnchoredEmbedder, which
carries the real model's name and fingerprint, so questions asked of this index go through notesbot's real
query encoder. The glossary learner is off (Settings(glossary=False)): it grows quadratically with the
corpus (see BENCHMARKS.md). Prints one JSON line: folders, chunk count, build seconds (None when cached).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from common import CACHE
from synthetic import AnchoredEmbedder, scifact, sentences, write_corpus

from notesbot import NotesBot, Settings
from notesbot.embedding import resolve_model

SETTINGS = Settings(glossary=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--anchors", type=Path, required=True)
    args = parser.parse_args()
    folder = CACHE / f"corpus-{args.n}"
    corpus, index = write_corpus(folder / "notes", args.n, sentences(scifact()[1])), folder / "index"
    info = resolve_model("all-MiniLM-L6-v2")
    bot = NotesBot(corpus, index, settings=SETTINGS)
    seconds = None
    if not bot.is_current():
        builder = NotesBot(
            corpus,
            index,
            settings=SETTINGS,
            embedder=AnchoredEmbedder(np.load(args.anchors), info.name, info.fingerprint),
        )
        start = time.perf_counter()
        builder.update()
        seconds = time.perf_counter() - start
    chunks = len(bot.ensure_index().chunks)
    print(json.dumps({"n": args.n, "corpus": str(corpus), "index": str(index), "chunks": chunks, "build_s": seconds}))


if __name__ == "__main__":
    main()
