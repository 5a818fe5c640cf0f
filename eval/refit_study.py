"""Would refitting the confidence on every eval set refuse more unanswerable questions? A cross-validated check.

    python eval/refit_study.py [QUESTIONS.jsonl ...] [--corpus corpus] [--index index]

Collects each question's signals and answer with abstention switched off (all eval/*questions.jsonl by
default), then, for each model, the share of unanswerable questions refused when the threshold refuses 2%, 3%
and 4% of the answerable ones, and the share of answerable questions whose answer holds their evidence:

- ``current``: DEFAULT_CALIBRATION as shipped;
- ``refit``: calibrate.py's logistic model refitted, each question scored by a fit without its group;
- ``boosted``: gradient-boosted trees on the same signals (only when scikit-learn is installed).

Questions are grouped two ways: by eval set (leave one set out), and by topic, the first sentence of the
answer given (ten folds). The same near-miss question recurs from set to set ("when did China test its first
atomic bomb?"), so a model that remembers it gains when sets are left out and not when topics are: only the
topic folds tell how it does on questions about something it has not seen.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
from calibrate import fit, prob

from notesbot import NotesBot, Settings
from notesbot.answer import DEFAULT_WRONG_KIND_CAP, Signals, confidence
from notesbot.evaluation.questions import read_questions

HERE = Path(__file__).resolve().parent
SHARES = (0.02, 0.03, 0.04)  # of answerable questions refused
TOPIC_FOLDS = 10


def collect(files: list[Path], corpus: Path, index: Path) -> dict[str, np.ndarray]:
    bot = NotesBot(corpus, index, settings=Settings(abstain_below=0.0))
    rows = []
    for path in files:
        for q in read_questions(path):
            a = bot.ask(q.question)
            features = [a.signals[n] for n in Signals.NAMES]
            raw = confidence(Signals(**dict(zip(Signals.NAMES[:-1], features[:-1]))))
            topic = a.sentences[0].text if a.sentences else q.question
            rows.append(
                (
                    path.stem,
                    topic,
                    features,
                    q.answerable,
                    any(e.in_answer(a) for e in q.evidence),
                    a.confidence,
                    a.confidence < raw - 1e-3,
                )
            )
    sets, topics, x, y, hit, shipped, capped = zip(*rows)
    return {
        "sets": np.array(sets),
        "topics": np.array(topics),
        "x": np.array(x, dtype=float),
        "y": np.array(y, dtype=float),
        "hit": np.array(hit),
        "shipped": np.array(shipped),
        "capped": np.array(capped),
    }


def folds(groups: np.ndarray, n: int | None = None) -> list[np.ndarray]:
    """Masks of the questions each fold leaves out: one group each, or the groups dealt into ``n`` folds."""
    names = sorted(set(groups.tolist()))
    if n is None:
        return [groups == g for g in names]
    order = np.random.default_rng(0).permutation(len(names))
    return [np.isin(groups, [names[i] for i in order[k::n]]) for k in range(n)]


def held_out(
    data: dict[str, np.ndarray],
    model: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    masks: list[np.ndarray],
) -> np.ndarray:
    p = np.zeros(len(data["y"]))
    for out in masks:
        p[out] = model(data["x"][~out], data["y"][~out], data["x"][out])
    return np.where(data["capped"], np.minimum(p, DEFAULT_WRONG_KIND_CAP), p)  # wrong-kind answers stay capped


def logistic(x: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
    return prob(fit(x, y), test)


def boosted(x: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
    from sklearn.ensemble import HistGradientBoostingClassifier

    trees = HistGradientBoostingClassifier(max_depth=3, max_iter=150, learning_rate=0.05, min_samples_leaf=20)
    return np.asarray(trees.fit(x, y).predict_proba(test)[:, 1])


def row(name: str, p: np.ndarray, data: dict[str, np.ndarray]) -> str:
    answerable = data["y"] == 1
    cells = []
    for share in SHARES:
        refused = p < np.quantile(p[answerable], share)
        cells.append(f"{refused[~answerable].mean():.3f} / {(data['hit'] & ~refused)[answerable].mean():.3f}")
    return f"| {name} | " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("questions", nargs="*", type=Path, default=sorted(HERE.glob("*questions.jsonl")))
    parser.add_argument("--corpus", type=Path, default=HERE.parent / "corpus")
    parser.add_argument("--index", type=Path, default=HERE.parent / "index")
    args = parser.parse_args()
    data = collect(args.questions, args.corpus, args.index)
    print(f"{int(data['y'].sum())} answerable, {int((data['y'] == 0).sum())} unanswerable questions")
    print("| model | " + " | ".join(f"refusals / answers, {s:.0%} wrongly refused" for s in SHARES) + " |")
    print("|---|" + "---|" * len(SHARES))
    print(row("current", data["shipped"], data))
    models = {"refit": logistic}
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("(scikit-learn is not installed: no boosted trees)")
    else:
        models["boosted"] = boosted
    for name, model in models.items():
        print(row(f"{name}, sets left out", held_out(data, model, folds(data["sets"])), data))
        print(row(f"{name}, topics left out", held_out(data, model, folds(data["topics"], TOPIC_FOLDS)), data))


if __name__ == "__main__":
    main()
