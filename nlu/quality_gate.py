"""The NLU quality gate: floors on the held-out figures, from Rasa's reports.

Read from the report files `rasa test nlu` (or rasa.nlu.test.run_evaluation)
writes. The same gate judges the trained model in `make test`
(tests/nlu/test_quality.py) and a model before `smartcity model deploy`
switches the assistant to it (bot/model_checks.py).
"""

from __future__ import annotations

import json
from pathlib import Path

# Which entities each extractor is responsible for.
EXTRACTORS = {
    "GazetteerEntityExtractor": ("project", "topic", "district", "project_status"),
    "GermanTimeExtractor": ("time",),
    "RegexEntityExtractor": ("reference",),
}
FLOORS = {"intent_macro_f1": 0.94, "entity_f1": 0.92, "oos_recall": 0.90}
FLOORS_EN = {"intent_accuracy": 0.92, "entity_f1": 0.92}
ALLOWED_DROP = 0.02


def summarize(report_dir: Path) -> dict[str, float]:
    intents = read_json(report_dir / "intent_report.json")
    summary = {
        "intent_macro_f1": intents["macro avg"]["f1-score"],
        "intent_accuracy": intents["accuracy"],
        "oos_recall": intents["out_of_scope"]["recall"],
        **entity_scores(report_dir),
    }
    responses = report_dir / "response_selection_report.json"
    if responses.is_file():
        summary["faq_answer_macro_f1"] = read_json(responses)["macro avg"]["f1-score"]
    return {key: round(value, 4) for key, value in summary.items()}


def entity_scores(report_dir: Path) -> dict[str, float]:
    """Micro precision, recall and F1 over every extractor's own entities."""
    true_positives = predicted = actual = 0.0
    for extractor, entities in EXTRACTORS.items():
        path = report_dir / f"{extractor}_report.json"
        if not path.is_file():
            continue
        report = read_json(path)
        for entity in entities:
            row = report.get(entity)
            if not row or not row["support"]:
                continue
            hits = row["recall"] * row["support"]
            true_positives += hits
            actual += row["support"]
            predicted += hits / row["precision"] if row["precision"] else 0.0
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"entity_precision": precision, "entity_recall": recall, "entity_f1": f1}


def gate_failures(summary: dict[str, float], baseline: dict[str, float]) -> list[str]:
    failures = []
    for metric, floor in FLOORS.items():
        value = summary[metric]
        if value < floor:
            failures.append(f"{metric} {value:.3f} is below the floor {floor:.2f}")
        if metric in baseline and value < baseline[metric] - ALLOWED_DROP:
            failures.append(
                f"{metric} {value:.3f} fell more than {ALLOWED_DROP} below "
                f"the baseline {baseline[metric]:.3f}"
            )
    return failures


def english_failures(summary: dict[str, float]) -> list[str]:
    return [
        f"English {metric} {summary[metric]:.3f} is below the floor {floor:.2f}"
        for metric, floor in FLOORS_EN.items()
        if summary[metric] < floor
    ]


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
