"""Similar-suggestion quality on the labelled pairs: precision and recall at
the threshold, and a sweep to choose it.

    .venv/bin/python -m tests.nlu.similarity
"""

from __future__ import annotations

from pathlib import Path

import yaml

from actions.db import similar
from actions.db.similar import Idea

PAIRS = Path(__file__).with_name("similar_pairs.yml")


def load_pairs() -> list[tuple[Idea, Idea, bool]]:
    entries = yaml.safe_load(PAIRS.read_text(encoding="utf-8"))["pairs"]
    return [(Idea(**e["a"]), Idea(**e["b"]), bool(e["similar"])) for e in entries]


def pair_scores(pairs) -> list[tuple[float, bool]]:
    """Each pair as the form compares them: the idea against one candidate."""
    return [(similar.scores(a, [b])[0], label) for a, b, label in pairs]


def figures(scored, threshold: float) -> dict[str, float]:
    hits = [(score >= threshold, label) for score, label in scored]
    tp = sum(1 for found, label in hits if found and label)
    fp = sum(1 for found, label in hits if found and not label)
    fn = sum(1 for found, label in hits if not found and label)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"threshold": threshold, "precision": round(precision, 3),
            "recall": round(recall, 3), "f1": round(f1, 3)}  # fmt: skip


def main() -> None:
    pairs = load_pairs()
    scored = pair_scores(pairs)
    positives = sum(label for *_, label in pairs)
    print(f"{len(pairs)} pairs, {positives} similar, {len(pairs) - positives} not")
    print("| threshold | precision | recall | F1 |\n|---|---|---|---|")
    for step in range(50, 81, 5):
        row = figures(scored, step / 100)
        mark = " (chosen)" if abs(row["threshold"] - similar.THRESHOLD) < 1e-9 else ""
        print(f"| {row['threshold']:.2f}{mark} | {row['precision']:.3f} | "
              f"{row['recall']:.3f} | {row['f1']:.3f} |")  # fmt: skip
    for row in two_fold(scored):
        print(f"tuned on one half, measured on the other: {row}")


def two_fold(scored) -> list[dict[str, float]]:
    """The threshold chosen on every other pair, measured on the rest: how much
    the choice fits its own pairs."""
    folds = [scored[0::2], scored[1::2]]
    results = []
    for tune, test in (folds, folds[::-1]):
        best = max((figures(tune, step / 100) for step in range(40, 91)),
                   key=lambda row: row["f1"])  # fmt: skip
        results.append(figures(test, best["threshold"]))
    return results


if __name__ == "__main__":
    main()
