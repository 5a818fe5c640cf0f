"""Shared benchmark helpers: whole-process timing with peak memory, statistics, the machine's description."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
CACHE = RESULTS / "cache"
PYTHON = sys.executable
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


@dataclass(frozen=True)
class Run:
    """One finished child process: wall seconds, peak resident memory (MB), exit code and output."""

    wall: float
    peak_mb: float
    code: int
    stdout: str
    stderr: str


def run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT, stdin: str | None = None) -> Run:
    """Run ``cmd`` to the end: wall time from spawn to exit, peak RSS from the kernel (wait4's rusage)."""
    full_env = {**os.environ, **OFFLINE, **(env or {})}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=full_env,
            stdout=out,
            stderr=err,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            text=True,
        )
        if stdin is not None and proc.stdin is not None:
            proc.stdin.write(stdin)
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(wall, usage.ru_maxrss / 1024, proc.returncode, out.read(), err.read())


def child(script: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``benchmarks/<script>`` with ``args``; its last stdout line is a JSON result."""
    result = run([PYTHON, str(BENCH / script), *args], env)
    if result.code != 0:
        raise RuntimeError(f"{script} {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def stats(values: list[float]) -> dict[str, float]:
    """Median, min, max and count."""
    arr = np.asarray(values, dtype=float)
    return {"median": float(np.median(arr)), "min": float(arr.min()), "max": float(arr.max()), "n": len(values)}


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50, p90, min and max in milliseconds."""
    ms = np.asarray(seconds, dtype=float) * 1000
    return {
        "p50": float(np.percentile(ms, 50)),
        "p90": float(np.percentile(ms, 90)),
        "min": float(ms.min()),
        "max": float(ms.max()),
        "n": len(seconds),
    }


def rss_mb() -> float:
    """This process's current resident memory."""
    return _status("VmRSS")


def peak_rss_mb() -> float:
    """This process's peak resident memory so far."""
    return _status("VmHWM")


def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def machine() -> dict[str, Any]:
    """CPU, cores, memory, OS, Python and library versions, and the load average now."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    flags = next(
        (
            line.split(":", 1)[1].split()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("flags")
        ),
        [],
    )
    mem = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    versions = {}
    for name in ("numpy", "torch", "sentence_transformers", "onnxruntime", "faiss", "tokenizers", "bm25s"):
        code = f"import importlib.metadata as m; print(m.version({_dist(name)!r}))"
        versions[name] = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True).stdout.strip() or "-"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "simd": " ".join(f for f in ("avx2", "fma", "avx512f", "avx512_vnni", "amx_int8") if f in flags),
        "memory_gb": round(mem / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "load_average": os.getloadavg(),
    }


def _dist(module: str) -> str:
    return {"faiss": "faiss-cpu", "sentence_transformers": "sentence-transformers"}.get(module, module)


def save(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def ndcg_at_10(docs: np.ndarray, questions: np.ndarray, doc_ids: list[str], qrels: dict[str, dict[str, int]]) -> float:
    """Mean nDCG@10 (linear gains, as trec_eval) of exact inner-product search; ``questions`` in qrels order."""
    scores = questions @ docs.T
    values = []
    for row, judged in enumerate(qrels.values()):
        top = np.argsort(-scores[row], kind="stable")[:10]
        dcg = sum(judged.get(doc_ids[j], 0) / np.log2(rank + 2) for rank, j in enumerate(top))
        ideal = sorted(judged.values(), reverse=True)[:10]
        values.append(dcg / sum(g / np.log2(rank + 2) for rank, g in enumerate(ideal)))
    return float(np.mean(values))
