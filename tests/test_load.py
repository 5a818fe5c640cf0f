"""Load: 20 gradio_client clients ask 10 questions each, all at once, of a real `notesbot chat` on loopback.

Every answer must equal the one a single client gets; p50 and p95 latency are printed (``pytest -s``) and
written to tests/artifacts/load.json.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, SHIPPED, chat_server, notesbot_command

CLIENTS = 20
PER_CLIENT = 10
DEADLINE = 300  # seconds for all 200 questions
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def questions() -> list[str]:
    """Eight answerable and two unanswerable questions from the eval set."""
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    answerable = [r["question"] for r in rows if r["answerable"]][:8]
    return answerable + [r["question"] for r in rows if not r["answerable"]][:2]


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """`notesbot chat` with the real model on a free loopback port: its URL, and its --corpus and --index."""
    root = tmp_path_factory.mktemp("load")
    shutil.copytree(SHIPPED, root / "corpus")
    with chat_server(root / "corpus", root / "index", root / "stderr.txt") as url:
        yield url, ["--corpus", str(root / "corpus"), "--index", str(root / "index")]


@pytest.mark.model
def test_twenty_clients_at_once_get_the_single_client_answers(chat: tuple[str, list[str]]) -> None:
    from gradio_client import Client

    url, where = chat
    asked = questions()
    single = Client(url, verbose=False)
    expected = {q: single.predict(q, api_name="/ask") for q in asked}
    assert sum(not answer["abstained"] for answer in expected.values()) >= 6
    cli = subprocess.run(
        [*notesbot_command(), "ask", "-", "--json", *where], input="\n".join(asked), capture_output=True, text=True
    )
    assert [json.loads(line) for line in cli.stdout.splitlines()] == list(expected.values())  # as `notesbot ask`
    results: list[tuple[str, dict[str, Any], float]] = []
    errors: list[BaseException] = []

    def one_client(number: int) -> None:
        try:
            client = Client(url, verbose=False)
            for q in asked[number % PER_CLIENT :] + asked[: number % PER_CLIENT]:  # each client its own order
                start = time.perf_counter()
                answer = client.predict(q, api_name="/ask")
                results.append((q, answer, time.perf_counter() - start))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one_client, args=(n,), daemon=True) for n in range(CLIENTS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, DEADLINE - (time.perf_counter() - began)))
    wall = time.perf_counter() - began
    assert not any(thread.is_alive() for thread in threads), f"not done in {DEADLINE} s"
    assert not errors, errors[:3]
    assert len(results) == CLIENTS * PER_CLIENT
    differing = [q for q, answer, _ in results if answer != expected[q]]
    assert not differing, f"{len(differing)} answers differ from the single client's, e.g. {differing[0]!r}"
    report(sorted(latency for _, _, latency in results), wall)


def report(latencies: list[float], wall: float) -> None:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    summary = {
        "clients": CLIENTS,
        "questions_per_client": PER_CLIENT,
        "requests": len(latencies),
        "p50_s": round(cuts[49], 4),
        "p95_s": round(cuts[94], 4),
        "max_s": round(latencies[-1], 4),
        "wall_s": round(wall, 2),
        "requests_per_s": round(len(latencies) / wall, 1),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(
        f"\nload: {summary['requests']} answers from {CLIENTS} clients in {summary['wall_s']} s; "
        f"p50 {summary['p50_s']} s, p95 {summary['p95_s']} s, max {summary['max_s']} s"
    )
