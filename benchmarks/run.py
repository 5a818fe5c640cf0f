"""Run every benchmark of issue 6 and write BENCHMARKS.md (tables, machine, plot) at the repository root.

    python benchmarks/run.py                  # everything (about an hour on 2 cores; caches make reruns faster)
    python benchmarks/run.py --quick          # fewer runs, synthetic sizes up to 10k, no SciFact build
    python benchmarks/run.py --only cold,warm # some sections (the others come from benchmarks/results/)
    python benchmarks/run.py --report-only    # rewrite BENCHMARKS.md from benchmarks/results/

Every timing is a whole process or taken inside a fresh process, every speed-up is against a baseline
measured in the same run, and raw results go to benchmarks/results/ (ignored by git).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
from pathlib import Path
from typing import Any

import cold
import numpy as np
import report
from common import BENCH, CACHE, PYTHON, RESULTS, ROOT, child, load, machine, ndcg_at_10, run, save, stats
from synthetic import scifact

SECTIONS = ("cold", "warm", "scale", "build", "reindex")
CORPUS_SIZES = (1_000, 10_000, 100_000)
VECTOR_SIZES = (1_000, 10_000, 100_000, 1_000_000)


def log(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def anchors() -> tuple[Path, Path]:
    """Real vectors of SciFact's titles and test questions (notesbot's query encoder), cached."""
    titles, questions = CACHE / "anchors-titles.npy", CACHE / "anchors-questions.npy"
    if not (titles.exists() and questions.exists()):
        code = (
            f"import sys, numpy as np; sys.path.insert(0, {str(BENCH)!r}); import synthetic; "
            "from notesbot.fast_embedding import NumpyEmbedder; e = NumpyEmbedder(batch_size=64); "
            f"np.save({str(titles)!r}, e.encode(synthetic.titles())); "
            f"np.save({str(questions)!r}, e.encode(synthetic.scifact()[2]))"
        )
        CACHE.mkdir(parents=True, exist_ok=True)
        result = run([PYTHON, "-c", code])
        if result.code != 0:
            raise RuntimeError(result.stderr[-2000:])
    return titles, questions


def warm_section(runs: int, sizes: tuple[int, ...]) -> dict[str, Any]:
    corpus, index = RESULTS / "cold" / "corpus", RESULTS / "cold" / "index"
    if not corpus.is_dir():  # the cold section's copy of the shipped notes, when it has not run
        shutil.copytree(ROOT / "corpus", corpus)
    cold.prepare(corpus, index)  # under a second when the index is already current
    notes = [
        child(
            "warm.py",
            "--corpus",
            str(corpus),
            "--index",
            str(index),
            "--questions",
            "notes",
            "--reference",
        )
        for _ in range(runs)
    ]
    titles, _ = anchors()
    synthetic = {}
    for n in sizes:
        log(f"warm: synthetic corpus of {n:,} chunks (built once, then cached)")
        built = child("synthetic_index.py", "--n", str(n), "--anchors", str(titles))
        extra = ["--reference", "--rounds", "1"] if n == max(sizes) else ["--rounds", "2"]
        timed = child(
            "warm.py",
            "--corpus",
            built["corpus"],
            "--index",
            built["index"],
            "--questions",
            "scifact",
            "--no-glossary",
            *extra,
        )
        synthetic[str(n)] = {"build": built, "warm": timed}
    return {"notes": notes, "synthetic": synthetic}


def scale_section(sizes: tuple[int, ...]) -> dict[str, Any]:
    titles, questions = anchors()
    out: dict[str, Any] = {}
    for n in sizes:
        log(f"scale: {n:,} vectors (indexes built once, then cached)")
        built = child("scale.py", "build", "--n", str(n), "--anchors", str(titles), "--queries", str(questions))
        out[str(n)] = {
            "build": built,
            **{
                kind: child("scale.py", "query", "--n", str(n), "--kind", kind, "--queries", str(questions))
                for kind in ("flat", "hnsw")
            },
        }
    return out


def build_section(runs: int) -> dict[str, Any]:
    log("build: one-time int8 export")
    exported = child("build.py", "export")
    doc_ids, _, _, qrels = scifact()
    systems: dict[str, list[dict[str, Any]]] = {"st": [], "int8": []}
    for r in range(runs):
        for system in ("st", "int8") if r % 2 == 0 else ("int8", "st"):
            log(f"build: SciFact with {system} (run {r + 1} of {runs})")
            result = run([PYTHON, str(BENCH / "build.py"), system])
            if result.code != 0:
                raise RuntimeError(result.stderr[-3000:])
            data = json_last(result.stdout)
            data["process_wall_s"] = result.wall
            systems[system].append(data)
    quality = {
        s: ndcg_at_10(
            np.load(CACHE / f"scifact-{s}-docs.npy"), np.load(CACHE / f"scifact-{s}-questions.npy"), doc_ids, qrels
        )
        for s in systems
    }
    st, int8 = (stats([r["encode_s"] for r in systems[s]]) for s in ("st", "int8"))
    return {
        "export": exported,
        "runs": systems,
        "encode_s": {"st": st, "int8": int8},
        "speedup": st["median"] / int8["median"],
        "ndcg_at_10": quality,
        "ndcg_difference": quality["int8"] - quality["st"],
    }


def reindex_section(runs: int) -> dict[str, Any]:
    corpus, index = RESULTS / "reindex" / "corpus", RESULTS / "reindex" / "index"
    shutil.rmtree(RESULTS / "reindex", ignore_errors=True)
    shutil.copytree(ROOT / "corpus", corpus)
    command = [*cold.notesbot_command(), "index", "--corpus", str(corpus), "--index", str(index)]
    full = run(command)
    unchanged = [run(command) for _ in range(runs)]
    note = sorted(corpus.glob("*.txt"))[0]
    with note.open("a", encoding="utf-8") as fh:
        fh.write("\n\nA new paragraph: the 1958 Taiwan Strait crisis strained the alliance further.\n")
    changed = run(command)
    return {
        "full": {"wall": full.wall, "summary": full.stdout.strip().splitlines()[-1]},
        "unchanged": {
            "wall": stats([r.wall for r in unchanged]),
            "summary": unchanged[-1].stdout.strip().splitlines()[-1],
        },
        "one_file_changed": {
            "file": note.name,
            "wall": changed.wall,
            "summary": changed.stdout.strip().splitlines()[-1],
        },
    }


def json_last(stdout: str) -> dict[str, Any]:
    import json

    data: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs and sizes, no SciFact build")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {SECTIONS}")
    parser.add_argument("--runs", type=int, help="whole-process runs per timing (default 7, quick 3)")
    parser.add_argument("--build-runs", type=int, default=2, help="SciFact runs per system (each takes minutes)")
    parser.add_argument("--report-only", action="store_true", help="only rewrite BENCHMARKS.md")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 7)
    wanted = [] if args.report_only else [s for s in args.only.split(",") if s]
    wanted = [s for s in wanted if not (args.quick and s == "build")]
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}")
    corpus_sizes = CORPUS_SIZES[:2] if args.quick else CORPUS_SIZES
    vector_sizes = VECTOR_SIZES[:3] if args.quick else VECTOR_SIZES
    if wanted:
        save("machine-start", machine())
    for name in wanted:
        log(f"section {name}")
        if name == "cold":
            save("cold", cold.section(runs))
        elif name == "warm":
            save("warm", warm_section(max(3, runs // 2), corpus_sizes))
        elif name == "scale":
            save("scale", scale_section(vector_sizes))
        elif name == "build":
            save("build", build_section(args.build_runs))
        elif name == "reindex":
            save("reindex", reindex_section(runs))
    if wanted:
        save("machine-end", machine())
    results = {name: load(name) for name in (*SECTIONS, "machine-start", "machine-end")}
    path = report.write(results, ROOT / "BENCHMARKS.md", BENCH / "latency.png", " ".join(sys.argv[1:]))
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
