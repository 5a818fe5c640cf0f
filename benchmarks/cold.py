"""Cold start: whole `notesbot ask` and `notesbot --help` processes against the naive path, interleaved."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from common import BENCH, PYTHON, RESULTS, ROOT, run, stats

QUESTION = "Why did the Sino-Soviet alliance fall apart?"
HEAVY = ("torch", "sentence_transformers", "transformers", "onnxruntime", "faiss", "bm25s", "scipy", "numba")


def notesbot_command() -> list[str]:
    """The console script next to this Python (what a user types), else ``python -m notesbot``."""
    script = Path(PYTHON).with_name("notesbot")
    return [str(script)] if script.exists() else [PYTHON, "-m", "notesbot"]


def prepare(corpus: Path, index: Path) -> None:
    """A current index of ``corpus`` in ``index`` (built by `notesbot index`, not timed)."""
    result = run([*notesbot_command(), "index", "--corpus", str(corpus), "--index", str(index)])
    if result.code != 0:
        raise RuntimeError(f"notesbot index failed: {result.stderr[-2000:]}")


def imported(cmd: list[str], watch: tuple[str, ...] = HEAVY) -> list[str]:
    """Which of the ``watch`` packages ``cmd`` (arguments to python) imports, from -X importtime."""
    result = run([PYTHON, "-X", "importtime", *cmd])
    names = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    return sorted(names & set(watch))


def section(runs: int = 7, question: str = QUESTION) -> dict[str, Any]:
    corpus = RESULTS / "cold" / "corpus"
    index = RESULTS / "cold" / "index"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.copytree(ROOT / "corpus", corpus)
    prepare(corpus, index)
    nb = notesbot_command()
    commands = {
        "ask": [*nb, "ask", "--corpus", str(corpus), "--index", str(index), question],
        "naive": [PYTHON, str(BENCH / "naive_ask.py"), question],
        "help": [*nb, "--help"],
    }
    for cmd in commands.values():  # warm the page cache: every timed run below is a warm-cache cold start
        run(cmd)
    walls: dict[str, list[float]] = {k: [] for k in commands}
    peaks: dict[str, list[float]] = {k: [] for k in commands}
    names = list(commands)
    for r in range(runs):
        for name in names[r % len(names) :] + names[: r % len(names)]:  # rotate the order between rounds
            result = run(commands[name])
            if result.code != 0 or (name == "ask" and ("Indexing" in result.stderr or "A:" not in result.stdout)):
                raise RuntimeError(f"{name} failed or re-indexed: {result.stderr[-2000:]}")
            walls[name].append(result.wall)
            peaks[name].append(result.peak_mb)
    heavy = imported(["-m", "notesbot", "ask", "--corpus", str(corpus), "--index", str(index), question])
    return {
        "question": question,
        "runs": runs,
        "wall": {k: stats(v) for k, v in walls.items()},
        "peak_mb": {k: stats(v) for k, v in peaks.items()},
        "ratio_ask_to_naive": stats(walls["ask"])["median"] / stats(walls["naive"])["median"],
        "heavy_imports_in_ask": heavy,
        "help_imports": imported(["-m", "notesbot", "--help"], ("numpy", *HEAVY)),
    }
