"""Turn the saved benchmark results into BENCHMARKS.md and the log-log latency plot."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from synthetic import PER_FILE

Results = dict[str, Any]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _spread(s: dict[str, float], unit: str = "s") -> str:
    """``median (min–max)`` of a stats record in seconds (shown as ms or s) or MB."""
    if unit == "MB":
        return f"{s['median']:.0f} MB ({s['min']:.0f}–{s['max']:.0f})"
    return f"{_ms(s['median'])} ({_ms(s['min'])}–{_ms(s['max'])})"


def _ok(passed: bool | None) -> str:
    return "–" if passed is None else ("yes" if passed else "**no**")


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def targets(r: Results) -> list[str]:
    rows = ["| target | measured | baseline, same run | met |", "|---|---|---|---|"]
    cold, warm, scale, build, reindex = (r.get(k) for k in ("cold", "warm", "scale", "build", "reindex"))
    if cold:
        ask, naive = cold["wall"]["ask"]["median"], cold["wall"]["naive"]["median"]
        ratio, heavy = cold["ratio_ask_to_naive"], cold["heavy_imports_in_ask"]
        rows += [
            f"| cold `notesbot ask` ≤ 1.0 s | {_ms(ask)} | naive path {_ms(naive)} | {_ok(ask <= 1.0)} |",
            f"| cold ask ≤ 0.15 × naive | {ratio:.3f} × | | {_ok(ratio <= 0.15)} |",
            f"| cold ask peak memory ≤ 400 MB | {cold['peak_mb']['ask']['median']:.0f} MB | naive "
            f"{cold['peak_mb']['naive']['median']:.0f} MB | {_ok(cold['peak_mb']['ask']['median'] <= 400)} |",
            f"| `notesbot --help` < 0.3 s | {_ms(cold['wall']['help']['median'])} | | "
            f"{_ok(cold['wall']['help']['median'] < 0.3)} |",
            f"| cold ask imports no torch / sentence-transformers | {', '.join(heavy) or 'none'} of the heavy "
            f"packages | | {_ok(not set(heavy) & {'torch', 'sentence_transformers'})} |",
        ]
    if warm:
        notes = _median([w["fast"]["ask"]["p50"] for w in warm["notes"]])
        ref = _median([w["reference"]["ask"]["p50"] for w in warm["notes"]])
        rows.append(
            f"| warm ask p50 ≤ 20 ms (shipped notes) | {notes:.1f} ms | sentence-transformers query "
            f"encoder {ref:.1f} ms | {_ok(notes <= 20)} |"
        )
        big = warm["synthetic"].get("100000")
        if big:
            p50 = big["warm"]["fast"]["ask"]["p50"]
            base = big["warm"].get("reference", {}).get("ask", {}).get("p50")
            baseline = "" if base is None else f"sentence-transformers query encoder {base:.1f} ms"
            rows.append(
                f"| warm ask p50 ≤ 50 ms ({big['warm']['chunks']:,} chunks) | {p50:.1f} ms | {baseline} | "
                f"{_ok(p50 <= 50)} |"
            )
    if scale:
        approx = [
            (int(n), s["hnsw"]["recall_at_10"]) for n, s in scale.items() if s["hnsw"]["notesbot_picks"] == "hnsw"
        ]
        if approx:
            worst = min(rec for _, rec in approx)
            rows.append(
                f"| recall@10 of the automatic HNSW ≥ 0.95 | {worst:.4f} (lowest, at "
                f"{', '.join(f'{n:,}' for n, _ in approx)} vectors) | exact search | {_ok(worst >= 0.95)} |"
            )
    if build:
        diff = build["ndcg_difference"]
        rows += [
            f"| SciFact build ≥ 2 × plain `SentenceTransformer.encode` | {build['speedup']:.2f} × "
            f"({_ms(build['encode_s']['int8']['median'])}) | {_ms(build['encode_s']['st']['median'])} | "
            f"{_ok(build['speedup'] >= 2)} |",
            f"| nDCG@10 within 0.005 | {build['ndcg_at_10']['int8']:.4f} ({diff:+.4f}) | "
            f"{build['ndcg_at_10']['st']:.4f} | {_ok(abs(diff) <= 0.005)} |",
        ]
    if reindex:
        wall = reindex["unchanged"]["wall"]["median"]
        rows.append(
            f"| re-index, nothing changed < 1 s | {_ms(wall)} | full build {_ms(reindex['full']['wall'])} | "
            f"{_ok(wall < 1)} |"
        )
        summary = reindex["one_file_changed"]["summary"]
        embedded = re.search(r"(\d+) (?:chunks?|texts?) embedded.*?, (\d+) reused", summary)
        if embedded:
            rows.append(
                f"| one file changed: only its chunks re-embedded | {embedded.group(1)} embedded, "
                f"{embedded.group(2)} reused | | {_ok(int(embedded.group(2)) > 0)} |"
            )
    return rows


def machine(r: Results) -> list[str]:
    start, end = r.get("machine-start"), r.get("machine-end")
    if not start:
        return ["(not recorded)"]
    v = start["versions"]
    load = lambda m: " / ".join(f"{x:.2f}" for x in m["load_average"])  # noqa: E731
    return [
        f"- CPU: {start['cpu']}, {start['cores']} cores ({start['simd']}), {start['memory_gb']} GB memory, no GPU",
        f"- {start['os']}, Python {start['python']}; numpy {v['numpy']}, torch {v['torch']}, sentence-transformers "
        f"{v['sentence_transformers']}, onnxruntime {v['onnxruntime']}, faiss {v['faiss']}, tokenizers "
        f"{v['tokenizers']}, bm25s {v['bm25s']}",
        f"- load average (1/5/15 min) at the start: {load(start)}; at the end: {load(end) if end else '?'}. "
        "Other processes running on the same cores slow every figure, the baselines too; the ratios hold "
        "up better than the absolute times.",
    ]


def cold_section(c: Results | None) -> list[str]:
    if not c:
        return ["(not run)"]
    rows = [
        f"{c['runs']} whole-process runs of each command, interleaved, after one untimed warm-up run "
        f"(warm page cache). Question: “{c['question']}”.",
        "",
        "| command | wall, median (min–max) | peak RSS, median (min–max) |",
        "|---|---|---|",
    ]
    labels = {
        "ask": "`notesbot ask` (index built, current)",
        "naive": "naive path: import sentence-transformers, load model, encode question",
        "help": "`notesbot --help`",
    }
    for key, label in labels.items():
        rows.append(f"| {label} | {_spread(c['wall'][key])} | {_spread(c['peak_mb'][key], 'MB')} |")
    rows += [
        "",
        f"Cold ask / naive = **{c['ratio_ask_to_naive']:.3f}**. Heavy packages imported by the ask "
        f"(from `python -X importtime`): {', '.join(c['heavy_imports_in_ask']) or 'none'}; by `--help`: "
        f"{', '.join(c['help_imports']) or 'none (not even numpy)'}.",
    ]
    return rows


def warm_section(w: Results | None) -> list[str]:
    if not w:
        return ["(not run)"]
    rows = [
        "In one process with the index and model loaded (what the Python API and `notesbot chat` do), "
        "after the process has moved its question encoder to ONNX Runtime (it does so by itself after 8 "
        "questions; `first ask` below includes that). Latencies in ms, p50 over every question × rounds; "
        "for the shipped notes, the median (min–max) of the p50s of several whole-process runs.",
        "",
        "| corpus | chunks | questions | query encoder | ask p50 | ask p90 | search p50 | encode p50 "
        "| index-is-current check p50 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    notes = w["notes"]
    for side in ("fast", "reference"):
        p = {k: [n[side][k]["p50"] for n in notes] for k in ("ask", "search", "encode")}
        p90 = _median([n[side]["ask"]["p90"] for n in notes])
        label = _encoder_label(notes[0][side], side)
        rows.append(
            f"| shipped notes | {notes[0]['chunks']} | {notes[0]['questions']} | {label} | "
            f"{_median(p['ask']):.1f} ({min(p['ask']):.1f}–{max(p['ask']):.1f}) | {p90:.1f} | "
            f"{_median(p['search']):.1f} | {_median(p['encode']):.1f} | {_fresh(notes[0][side])} |"
        )
    for _, s in sorted(w["synthetic"].items(), key=lambda kv: int(kv[0])):
        for side in ("fast", "reference"):
            t = s["warm"].get(side)
            if t:
                label = _encoder_label(t, side)
                rows.append(
                    f"| synthetic, glossary off | {s['warm']['chunks']:,} | {s['warm']['questions']} | {label} "
                    f"| {t['ask']['p50']:.1f} | {t['ask']['p90']:.1f} | {t['search']['p50']:.1f} | "
                    f"{t['encode']['p50']:.1f} | {_fresh(t)} |"
                )
    builds = [f"{int(n):,}: {s['build']['build_s']:.0f} s" for n, s in w["synthetic"].items() if s["build"]["build_s"]]
    if builds:
        rows += ["", f"Synthetic index builds through `NotesBot.update` (this run): {'; '.join(builds)}."]
    if w["synthetic"]:
        n, big = max(w["synthetic"].items(), key=lambda kv: int(kv[0]))
        fast = big["warm"]["fast"]
        if "freshness" in fast:
            files = -(-int(n) // PER_FILE)
            rows += [
                "",
                f"At {big['warm']['chunks']:,} chunks ({files:,} note files) the index-is-current check that every "
                f"ask makes (list and stat every note file, read the manifest) takes {fast['freshness']['p50']:.1f} "
                f"of the {fast['ask']['p50']:.1f} ms; see docs/scaling.md, “What breaks first”.",
            ]
    return rows


def _fresh(timing: Results) -> str:
    return f"{timing['freshness']['p50']:.1f}" if "freshness" in timing else "–"


def _encoder_label(timing: Results, side: str) -> str:
    if side == "reference":
        return "sentence-transformers (baseline)"
    return f"notesbot ({timing.get('encoder', 'numpy')})"


def scale_section(s: Results | None, plot: Path | None) -> list[str]:
    if not s:
        return ["(not run)"]
    rows = [
        "Synthetic vectors anchored on real MiniLM vectors of SciFact titles; the 300 SciFact test "
        "questions as queries (notesbot's encoder). Each index is loaded in a fresh process the way "
        "`notesbot ask` loads it, then searched one question at a time (top 10).",
        "",
        "| vectors | notesbot uses | exact p50 | HNSW p50 | HNSW recall@10 | RSS added, exact / HNSW | "
        "index file, exact / HNSW | HNSW build |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, e in sorted(s.items(), key=lambda kv: int(kv[0])):
        b = e["build"]
        rows.append(
            f"| {int(n):,} | {e['flat']['notesbot_picks']} | {e['flat']['search']['p50']:.2f} ms | "
            f"{e['hnsw']['search']['p50']:.2f} ms | {e['hnsw']['recall_at_10']:.4f} | "
            f"{e['flat']['rss_added_mb']:.0f} / {e['hnsw']['rss_added_mb']:.0f} MB | "
            f"{b['bytes']['flat'] / 1e6:.0f} / {b['bytes']['hnsw'] / 1e6:.0f} MB | "
            f"{b['build_s']['hnsw']:.0f} s{'*' if b.get('cached') else ''} |"
        )
    threshold = next(iter(s.values()))["flat"]["threshold"]
    if any(e["build"].get("cached") for e in s.values()):
        rows += [
            "",
            "\\* built by an earlier run of this command (benchmarks/results/cache/); the searches above "
            "ran in this one.",
        ]
    rows += [
        "",
        f"`DEFAULT_APPROX_THRESHOLD` = {threshold:,} chunks: from there on `notesbot index` builds HNSW "
        "(see docs/scaling.md).",
    ]
    if plot is not None:
        rows += ["", f"![latency against corpus size, log-log](benchmarks/{plot.name})"]
    return rows


def build_section(b: Results | None) -> list[str]:
    if not b:
        return ["(not run)"]
    rows = [
        "SciFact's 5,183 abstracts (“title text”), each system in its own process, in the same run. "
        "nDCG@10 over the 300 test questions by exact search: the baseline's questions by sentence-"
        "transformers, notesbot's by its numpy query encoder.",
        "",
        "| system | load | encode 5,183 abstracts, median (min–max) | encode CPU | nDCG@10 |",
        "|---|---|---|---|---|",
    ]
    for key, label in (
        ("st", "plain `SentenceTransformer.encode` (batch 32)"),
        ("int8", "notesbot `OnnxInt8Embedder` (ONNX Runtime, fused, int8)"),
    ):
        runs = b["runs"][key]
        rows.append(
            f"| {label} | {_ms(_median([r['load_s'] for r in runs]))} | {_spread(b['encode_s'][key])} | "
            f"{_ms(_median([r['encode_cpu_s'] for r in runs]))} | {b['ndcg_at_10'][key]:.4f} |"
        )
    e = b["export"]
    rows += [
        "",
        f"Speed-up **{b['speedup']:.2f} ×**, nDCG@10 difference **{b['ndcg_difference']:+.4f}**. "
        f"The one-time export (torch → ONNX → fused → int8, {e['bytes'] / 1e6:.0f} MB) took "
        f"{_ms(e['seconds'])}{' (cached from an earlier run)' if e['cached'] else ''}.",
    ]
    return rows


def reindex_section(r: Results | None) -> list[str]:
    if not r:
        return ["(not run)"]
    u = r["unchanged"]
    return [
        "`notesbot index` on a copy of the shipped notes, whole processes.",
        "",
        "| step | wall | notesbot's summary |",
        "|---|---|---|",
        f"| first build | {_ms(r['full']['wall'])} | {r['full']['summary']} |",
        f"| again, nothing changed ({u['wall']['n']} runs) | {_spread(u['wall'])} | {u['summary']} |",
        f"| one line appended to {r['one_file_changed']['file']} | {_ms(r['one_file_changed']['wall'])} | "
        f"{r['one_file_changed']['summary']} |",
    ]


def plot(r: Results, path: Path) -> Path | None:
    scale, warm = r.get("scale"), r.get("warm")
    if not scale:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(int(n) for n in scale)
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for kind, label, style in (("flat", "exact dense search (numpy)", "o-"), ("hnsw", "HNSW dense search", "s-")):
        ax.plot(sizes, [scale[str(n)][kind]["search"]["p50"] for n in sizes], style, label=label)
    picked = [scale[str(n)][scale[str(n)]["flat"]["notesbot_picks"]]["search"]["p50"] for n in sizes]
    ax.plot(sizes, picked, "k--", alpha=0.5, label="what notesbot uses")
    if warm and warm.get("synthetic"):
        corp = sorted(warm["synthetic"].items(), key=lambda kv: int(kv[0]))
        ax.plot(
            [s["warm"]["chunks"] for _, s in corp],
            [s["warm"]["fast"]["ask"]["p50"] for _, s in corp],
            "^-",
            label="whole warm ask (encode, BM25, dense, answer)",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks (vectors) in the index")
    ax.set_ylabel("latency p50, ms")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("notesbot query latency against corpus size")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _provenance(args: str) -> str:
    """Which figures the command that wrote the report measured: all, or only the sections ``--only`` named."""
    if "--only" not in args and "--report-only" not in args:
        return "Every figure below comes from that command"
    return "The sections that command names were measured by it; the others are read from the results earlier runs left"


def write(r: Results, target: Path, plot_path: Path, args: str) -> Path:
    figure = plot(r, plot_path)
    lines = [
        "# Benchmarks",
        "",
        f"Written by `python benchmarks/run.py{' ' + args if args else ''}` on {dt.date.today():%Y-%m-%d}. "
        + _provenance(args)
        + " (raw JSON in `benchmarks/results/`, not committed); rerun it to check them on your machine. "
        "Targets are issue 6's.",
        "",
        "## Machine",
        "",
        *machine(r),
        "",
        "## Targets",
        "",
        *targets(r),
        "",
        "## 1. Cold start",
        "",
        *cold_section(r.get("cold")),
        "",
        "## 2. Warm queries",
        "",
        *warm_section(r.get("warm")),
        "",
        "## 3. Scale: 1k to 1M chunks",
        "",
        *scale_section(r.get("scale"), figure),
        "",
        "## 4. Index build: SciFact",
        "",
        *build_section(r.get("build")),
        "",
        "## 5. Re-indexing",
        "",
        *reindex_section(r.get("reindex")),
        "",
        "## How the fast paths work",
        "",
        "See docs/scaling.md. In short: `notesbot ask` encodes the question with a numpy forward pass of the "
        "same BERT weights (memory-mapped `model.safetensors`, `tokenizers`; no torch), reads BM25 with numpy "
        "(no bm25s/scipy/numba), searches exact indexes with numpy over memory-mapped vectors (no FAISS import) "
        "and imports the pipeline only for the commands that need it.",
        "",
    ]
    target.write_text("\n".join(lines), encoding="utf-8")
    return target
