"""Fit the answer confidence and the abstention threshold on the known questions.

    python eval/calibrate.py [QUESTIONS.jsonl ...] [--check QUESTIONS.jsonl] [--corpus corpus] [--index index]

Collects each question's signals with abstention switched off, fits a logistic model
(answerable = 1) on all the given files together, prints the trade-off curve with
leave-one-out estimates (and, with --check, the curve on a set left out of the fit),
and writes eval/results/calibration.json. Copy the printed values into DEFAULT_CALIBRATION and
DEFAULT_ABSTAIN_BELOW in src/notesbot/config.py.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from notesbot import NotesBot, Settings
from notesbot.answer import Signals

HERE = Path(__file__).resolve().parent
NAMES = Signals.NAMES  # the order DEFAULT_CALIBRATION weighs them in
# the direction each signal, in NAMES order, may move the confidence: more evidence never lowers it, unknown
# words never raise it
SIGNS = (1, 1, 1, -1, -1, 1, -1)
MAX_FALSE_ABSTAIN = 0.05


def collect(files: list[Path], corpus: Path, index: Path) -> tuple[np.ndarray, np.ndarray]:
    bot = NotesBot(corpus, index, settings=Settings(abstain_below=0.0))
    lines = [line for f in files for line in f.read_text(encoding="utf-8").splitlines()]
    rows = [json.loads(line) for line in lines if line.strip()]
    features = [[bot.ask(r["question"]).signals[n] for n in NAMES] for r in rows]
    return np.array(features, dtype=float), np.array([1.0 if r["answerable"] else 0.0 for r in rows])


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Logistic regression whose weights keep the signs of SIGNS: the signals fitted with the wrong sign (which
    only collinearity with another gives them) are dropped, their weights 0, and the rest refitted, until no
    sign is wrong; a dropped signal does not come back."""
    free = np.ones(x.shape[1], dtype=bool)
    while True:
        w = np.zeros(x.shape[1] + 1)
        w[np.concatenate([[True], free])] = newton(x[:, free], y)
        wrong = free & (np.sign(w[1:]) * np.array(SIGNS) < 0)
        if not wrong.any():
            return w
        free &= ~wrong


def newton(x: np.ndarray, y: np.ndarray, l2: float = 0.1, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method with a small ridge penalty (bias not penalised)."""
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    ridge = l2 * np.eye(len(w))
    ridge[0, 0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ w))
        grad = design.T @ (p - y) + ridge @ w
        hess = design.T @ (design * (p * (1 - p))[:, None]) + ridge + 1e-9 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w


def prob(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(w[0] + x @ w[1:])))


def curve(p: np.ndarray, y: np.ndarray) -> list[dict[str, float]]:
    points = []
    for t in np.round(np.arange(0.05, 0.96, 0.05), 2):
        abstain = p < t
        points.append(
            {
                "threshold": float(t),
                "false_abstention": float(abstain[y == 1].mean()),
                "abstention_recall": float(abstain[y == 0].mean()),
            }
        )
    return points


def choose(points: list[dict[str, float]]) -> float:
    """The threshold with the best abstention recall whose false abstention on answerable questions stays
    within bounds."""
    allowed = [pt for pt in points if pt["false_abstention"] <= MAX_FALSE_ABSTAIN]
    return max(allowed, key=lambda pt: (pt["abstention_recall"], -pt["threshold"]))["threshold"] if allowed else 0.05


def leave_one_out(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    out = np.zeros(len(y))
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        out[i] = prob(fit(x[keep], y[keep]), x[i : i + 1])[0]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("questions", nargs="*", type=Path, default=[HERE / "questions.jsonl"])
    parser.add_argument("--check", type=Path, help="questions left out of the fit, to test it on")
    parser.add_argument("--corpus", type=Path, default=HERE.parent / "corpus")
    parser.add_argument("--index", type=Path, default=HERE.parent / "index")
    args = parser.parse_args()
    x, y = collect(args.questions, args.corpus, args.index)
    w = fit(x, y)
    points = curve(prob(w, x), y)
    loo = curve(leave_one_out(x, y), y)
    threshold = choose(loo)  # on the leave-one-out curve: in-sample false abstention is optimistic
    check = loo
    if args.check:
        cx, cy = collect([args.check], args.corpus, args.index)
        check = curve(prob(w, cx), cy)
    print("threshold  false-abstention  abstention-recall   (leave-one-out: false / recall)   (check set)")
    for pt, cv, ck in zip(points, loo, check):
        mark = "  <- chosen" if pt["threshold"] == threshold else ""
        held = f"   {ck['false_abstention']:.3f} / {ck['abstention_recall']:.3f}" if args.check else ""
        print(
            f"  {pt['threshold']:.2f}        {pt['false_abstention']:.3f}            {pt['abstention_recall']:.3f}"
            f"          {cv['false_abstention']:.3f} / {cv['abstention_recall']:.3f}{held}{mark}"
        )
    print(f"DEFAULT_CALIBRATION = ({', '.join(f'{v:.3f}' for v in w)})  # bias, {', '.join(NAMES)}")
    print(f"DEFAULT_ABSTAIN_BELOW = {threshold}")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    report = {
        "weights": w.tolist(),
        "names": NAMES,
        "threshold": threshold,
        "curve": points,
        "loo_curve": loo,
        "questions": [str(q) for q in args.questions],
        "check": str(args.check) if args.check else None,
        "check_curve": check if args.check else None,
        "n": int(len(y)),
        "answerable": int(y.sum()),
    }
    (out / "calibration.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
