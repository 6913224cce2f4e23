"""CI gate: NLU quality on the held-out test set must not regress.

Runs Rasa's own `rasa test nlu` against the trained model. Floors are in
tests/nlu/quality.py; the committed baseline is tests/nlu/baseline.json.
"""

from __future__ import annotations

import json

import pytest
from rapidfuzz import fuzz, process
from rasa.shared.nlu.training_data.loading import load_data

from core.settings import PROJECT_ROOT
from tests.nlu.quality import (
    BASELINE,
    FLOORS,
    FRESH_INTENTS_EN,
    TEST_SET,
    TEST_SET_EN,
    english_failures,
    entity_scores,
    gate_failures,
    held_out,
)

pytestmark = pytest.mark.model


def normalized(text: str) -> str:
    kept = "".join(c for c in text.casefold() if c.isalnum() or c.isspace())
    return " ".join(kept.split())


@pytest.mark.parametrize(
    "test_set", [TEST_SET, TEST_SET_EN, FRESH_INTENTS_EN], ids=["de", "en", "en-fresh"]
)
def test_the_held_out_set_is_big_and_separate_from_training(test_set):
    """No held-out utterance is a copy or a light edit of a training example."""
    held = load_data(str(test_set))
    training = load_data(str(PROJECT_ROOT / "data" / "nlu"))
    assert len(held.nlu_examples) >= 150
    assert "out_of_scope" in held.intents
    assert held.entity_examples
    seen = [normalized(m.get("text")) for m in training.nlu_examples]
    near_copies = []
    for message in held.nlu_examples:
        match = process.extractOne(
            normalized(message.get("text")), seen, scorer=fuzz.ratio, score_cutoff=95
        )
        if match:
            near_copies.append((message.get("text"), match[0]))
    assert near_copies == []


def test_held_out_quality_holds(tmp_path):
    summary = held_out(tmp_path / "held-out", plots=False)
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    assert set(FLOORS) <= set(baseline)
    assert gate_failures(summary, baseline) == []


def test_english_held_out_quality_holds(tmp_path):
    """Issue 34: English intents and entities, on a set written apart."""
    summary = held_out(tmp_path / "held-out-en", plots=False, test_set=TEST_SET_EN)
    assert english_failures(summary) == []


def test_the_english_gate_fails_below_its_floor():
    failures = english_failures({"intent_accuracy": 0.91, "entity_f1": 0.95})
    assert len(failures) == 1 and "intent_accuracy" in failures[0]


def test_the_gate_fails_on_a_drop_below_the_baseline():
    baseline = {"intent_macro_f1": 0.99, "entity_f1": 0.97, "oos_recall": 0.97}
    summary = {"intent_macro_f1": 0.96, "entity_f1": 0.97, "oos_recall": 0.89}
    failures = gate_failures(summary, baseline)
    assert any("intent_macro_f1" in f and "baseline" in f for f in failures)
    assert any("oos_recall" in f and "floor" in f for f in failures)
    assert not any("entity_f1" in f for f in failures)


def test_entity_scores_combine_each_extractor_over_its_own_entities(tmp_path):
    (tmp_path / "GazetteerEntityExtractor_report.json").write_text(
        json.dumps(
            {
                "project": {"precision": 1.0, "recall": 0.5, "support": 4},
                "time": {"precision": 0.0, "recall": 0.0, "support": 6},
            }
        )
    )
    (tmp_path / "GermanTimeExtractor_report.json").write_text(
        json.dumps({"time": {"precision": 0.75, "recall": 1.0, "support": 6}})
    )
    scores = entity_scores(tmp_path)
    # 2 + 6 hits, 2 + 8 predicted, 4 + 6 true tokens
    assert scores["entity_precision"] == pytest.approx(0.8)
    assert scores["entity_recall"] == pytest.approx(0.8)
    assert scores["entity_f1"] == pytest.approx(0.8)
