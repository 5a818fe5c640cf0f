"""Synthetic corpora and vectors for the scale benchmarks, anchored on real SciFact text and real embeddings.

Text: paragraphs of 2-4 SciFact sentences (about 300 characters, one chunk each), 100 per note file.
Vectors: each is a real MiniLM vector of a SciFact title, plus a share of a second one and a little
noise, normalised; queries are the real vectors of SciFact's test questions. The neighbourhoods are
therefore those of real embeddings, which is what approximate search's recall depends on.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import numpy as np

SCIFACT = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "scifact"
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
PER_FILE = 100
SECOND_SHARE = 0.35
NOISE = 0.025  # per dimension: cosine to the anchor stays about 0.8


def scifact(folder: Path = SCIFACT) -> tuple[list[str], list[str], list[str], dict[str, dict[str, int]]]:
    """Document ids, "title text" strings, test query texts (in qrels order) and qrels."""
    ids, texts = [], []
    with gzip.open(folder / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            ids.append(str(record["_id"]))
            texts.append(f"{record.get('title') or ''} {record.get('text') or ''}".strip())
    queries = {}
    for line in (folder / "queries.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        queries[str(record["_id"])] = str(record["text"])
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate((folder / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()):
        fields = line.split("\t")
        if number == 0 and not fields[2].strip().isdigit():
            continue
        if int(fields[2]) > 0:
            qrels.setdefault(fields[0], {})[fields[1]] = int(fields[2])
    qids = sorted(qrels)
    return ids, texts, [queries[q] for q in qids], {q: qrels[q] for q in qids}


def titles(folder: Path = SCIFACT) -> list[str]:
    with gzip.open(folder / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [str(json.loads(line).get("title") or "") for line in fh]


def sentences(texts: list[str]) -> list[str]:
    return [s.strip() for t in texts for s in SENTENCE.split(t) if 40 <= len(s.strip()) <= 220]


def write_corpus(folder: Path, n_chunks: int, pool: list[str], seed: int = 0) -> Path:
    """``n_chunks`` paragraphs in note files of ``PER_FILE`` each, once (a ``.done`` marker keeps it)."""
    done = folder / ".done"
    if done.exists() and done.read_text() == str(n_chunks):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.txt"):
        stale.unlink()
    rng = np.random.default_rng(seed)
    for start in range(0, n_chunks, PER_FILE):
        paragraphs = []
        for _ in range(min(PER_FILE, n_chunks - start)):
            picked = [pool[i] for i in rng.integers(0, len(pool), int(rng.integers(2, 5)))]
            paragraphs.append(" ".join(picked)[:380])
        (folder / f"note-{start // PER_FILE:05d}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    done.write_text(str(n_chunks))
    return folder


def mix(anchors: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` unit vectors near the ``anchors`` (see the module docstring), float32."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, anchors.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        first, second = rng.integers(0, len(anchors), m), rng.integers(0, len(anchors), m)
        share = rng.uniform(0, SECOND_SHARE, (m, 1)).astype(np.float32)
        noise = rng.normal(0, NOISE, (m, anchors.shape[1])).astype(np.float32)
        block = anchors[first] + share * anchors[second] + noise
        out[start : start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


class AnchoredEmbedder:
    """A stand-in indexing embedder: a text's vector is :func:`mix` seeded by its hash. It carries the real
    model's name and fingerprint, so questions are then encoded by notesbot's real query encoder."""

    def __init__(self, anchors: np.ndarray, name: str, fingerprint: str) -> None:
        self.anchors, self.name, self.fingerprint, self.dim = anchors, name, fingerprint, anchors.shape[1]

    def encode(self, texts: list[str], progress=None) -> np.ndarray:  # type: ignore[no-untyped-def]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
            seed = int.from_bytes(digest, "little")
            out[row] = mix(self.anchors, 1, seed)[0]
        if progress is not None:
            progress(len(texts))
        return out
