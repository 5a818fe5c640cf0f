"""BM25 choices on a BEIR train split, outside the index: ``python eval/tune_bm25.py DIR [--split train]``.

Scores bm25s over the documents' note text (title, blank line, text) with notesbot's analyzer and with
variants of it (no stemming, stop words kept) and of k1 and b, each against notesbot's choice by paired
bootstrap. It only measures; the analyzer lives in src/notesbot/text.py. Results: eval/README.md.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

from notesbot import beir
from notesbot.evaluation import difference, estimate, ir_metrics, ranked_run, resamples
from notesbot.text import STOPWORDS, terms, words

Analyzer = Callable[[str], list[str]]


def stemmed(text: str) -> list[str]:
    import Stemmer

    return Stemmer.Stemmer("english").stemWords(words(text))  # type: ignore[no-any-return]


VARIANTS: dict[str, tuple[Analyzer, float, float]] = {
    "notesbot: stemmed, stop words dropped, k1=1.5 b=0.75": (terms, 1.5, 0.75),
    "no stemming, stop words kept": (words, 1.5, 0.75),
    "no stemming, stop words dropped": (lambda t: [w for w in words(t) if w not in STOPWORDS], 1.5, 0.75),
    "stemmed, stop words kept": (stemmed, 1.5, 0.75),
    "k1=0.9 b=0.4 (Anserini)": (terms, 0.9, 0.4),
    "k1=1.2 b=0.75": (terms, 1.2, 0.75),
    "k1=1.2 b=0.5": (terms, 1.2, 0.5),
    "k1=2.0 b=0.75": (terms, 2.0, 0.75),
}


def ndcg(data: beir.BeirDataset, analyzer: Analyzer, k1: float, b: float) -> np.ndarray:
    import bm25s

    ids = list(data.docs)
    model = bm25s.BM25(k1=k1, b=b)
    model.index([analyzer(beir.note_text(*data.docs[i])) or [""] for i in ids], show_progress=False)
    run = {}
    for qid, text in data.queries.items():
        query = [t for t in analyzer(text) if t in model.vocab_dict]
        scores = model.get_scores(query) if query else np.zeros(len(ids))
        top = np.argsort(-scores, kind="stable")[:101]
        run[qid] = ranked_run([ids[i] for i in top if scores[i] > 0 and ids[i] != qid][:100])
    return ir_metrics(data.qrels, run, ["ndcg@10"])["ndcg@10"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--split", default="train")
    args = parser.parse_args()
    data = beir.load(args.folder, args.split)
    idx = resamples(len(data.qrels), 2000, 0)
    ones = np.ones(len(data.qrels))
    results = {name: ndcg(data, *variant) for name, variant in VARIANTS.items()}
    ours = results[next(iter(VARIANTS))]
    print(f"| BM25 variant ({data.name}/{args.split}) | nDCG@10 | notesbot minus variant |\n|---|---|---|")
    for name, scores in results.items():
        diff = difference((ours, ones), (scores, ones), idx)
        print(f"| {name} | {estimate(scores, ones, idx)} | {diff} |")


if __name__ == "__main__":
    main()
