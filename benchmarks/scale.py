"""Dense search at N vectors: exact (numpy over the memory-mapped vectors) and HNSW, latency, memory, recall.

    python benchmarks/scale.py build --n N --anchors A.npy --queries Q.npy   # vectors, both indexes, truth
    python benchmarks/scale.py query --n N --kind flat|hnsw --queries Q.npy  # a fresh process: load, search

`build` writes synthetic vectors (synthetic.mix), an exact and an HNSW index with notesbot.dense_index,
and the exact top 10 of every query; `query` loads one of them the way `notesbot ask` does and times
single-query searches. Each prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import CACHE, percentiles, rss_mb
from synthetic import mix

from notesbot import dense_index
from notesbot.config import (
    DEFAULT_APPROX_THRESHOLD,
    DEFAULT_HNSW_EF_CONSTRUCTION,
    DEFAULT_HNSW_EF_SEARCH,
    DEFAULT_HNSW_M,
)

K = 10


def folder(n: int) -> Path:
    """The cache of size ``n`` for the current HNSW settings (other settings get other folders)."""
    return CACHE / f"vectors-{n}-m{DEFAULT_HNSW_M}-efc{DEFAULT_HNSW_EF_CONSTRUCTION}-ef{DEFAULT_HNSW_EF_SEARCH}"


def build(n: int, anchors: Path, queries: Path) -> dict[str, Any]:
    out = folder(n)
    done = out / "done.json"
    if done.exists():
        return dict(json.loads(done.read_text()), cached=True)
    for kind in ("flat", "hnsw"):
        (out / kind).mkdir(parents=True, exist_ok=True)
    vectors = mix(np.load(anchors), n, seed=n)
    np.save(out / "vectors.npy", vectors)
    timings = {}
    for kind, threshold in (("flat", n + 1), ("hnsw", 0)):
        start = time.perf_counter()
        index = dense_index.build(vectors, threshold=threshold)
        timings[kind] = time.perf_counter() - start
        dense_index.save(out / kind, index)
        del index
    q = np.load(queries)
    exact = dense_index.FlatIndex(vectors)
    truth = np.vstack([exact.search(block, K)[1] for block in np.array_split(q, 10)])
    np.save(out / "truth.npy", truth)
    result = {
        "n": n,
        "build_s": timings,
        "bytes": {k: (out / k / dense_index.FAISS_FILE).stat().st_size for k in ("flat", "hnsw")},
    }
    done.write_text(json.dumps(result))
    return dict(result, cached=False)


def query(n: int, kind: str, queries: Path) -> dict[str, Any]:
    out = folder(n)
    before = rss_mb()
    start = time.perf_counter()
    vectors = np.load(out / "vectors.npy", mmap_mode="r")
    index = dense_index.load(out / kind, vectors)
    load_s = time.perf_counter() - start
    q = np.load(queries)
    found, seconds = [], []
    for vector in q:
        start = time.perf_counter()
        _, ids = index.search(vector.reshape(1, -1), K)
        seconds.append(time.perf_counter() - start)
        found.append(ids[0])
    truth = np.load(out / "truth.npy")
    recall = float(np.mean([len(set(a) & set(b)) / K for a, b in zip(truth, found)]))
    return {
        "n": n,
        "kind": kind,
        "type": type(index).__name__,
        "load_s": load_s,
        "search": percentiles(seconds),
        "recall_at_10": recall,
        "rss_mb": rss_mb(),
        "rss_added_mb": rss_mb() - before,
        "notesbot_picks": dense_index.kind_for(n),
        "threshold": DEFAULT_APPROX_THRESHOLD,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=("build", "query"))
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--anchors", type=Path)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--kind", choices=("flat", "hnsw"))
    args = parser.parse_args()
    if args.phase == "build":
        print(json.dumps(build(args.n, args.anchors, args.queries)))
    else:
        print(json.dumps(query(args.n, args.kind, args.queries)))


if __name__ == "__main__":
    main()
