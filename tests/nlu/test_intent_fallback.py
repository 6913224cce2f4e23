"""The fallback with a higher bar for some intents (nlu/intent_fallback.py)."""

from __future__ import annotations

import pytest
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message

from nlu.intent_fallback import IntentFallbackClassifier

CONFIG = {**IntentFallbackClassifier.get_default_config(),
          "intent_thresholds": {"share_idea": 0.5, "rephrase": 0.6}}  # fmt: skip


def classified(name: str, confidence: float, runner_up: float = 0.0) -> Message:
    ranking = [{"name": name, "confidence": confidence},
               {"name": "out_of_scope", "confidence": runner_up}]  # fmt: skip
    return Message(data={"text": "x", "intent": ranking[0], "intent_ranking": ranking})


@pytest.mark.parametrize(
    ("name", "confidence", "fallback"),
    [
        ("share_idea", 0.49, True),
        ("share_idea", 0.5, False),
        ("rephrase", 0.59, True),
        ("rephrase", 0.61, False),
        ("ask_events", 0.31, False),  # only Rasa's own threshold
        ("ask_events", 0.29, True),
    ],
)
def test_an_unsure_intent_falls_back(name, confidence, fallback):
    classifier = IntentFallbackClassifier.create(CONFIG, None, None, None)
    [message] = classifier.process([classified(name, confidence)])
    intent = message.get("intent")
    assert (intent["name"] == "nlu_fallback") is fallback
    if fallback:  # the ranking keeps the guess, as Rasa's does
        assert message.get("intent_ranking")[1]["name"] == name


def test_the_ambiguity_threshold_still_counts():
    classifier = IntentFallbackClassifier.create(CONFIG, None, None, None)
    [message] = classifier.process([classified("ask_events", 0.5, 0.45)])
    assert message.get("intent")["name"] == "nlu_fallback"


@pytest.mark.parametrize("thresholds", [{"share_idea": 1.5}, {"share_idea": 0},
                                        {"share_idea": "hoch"}, ["share_idea"]])  # fmt: skip
def test_bad_thresholds_are_refused(thresholds):
    with pytest.raises(InvalidConfigException):
        IntentFallbackClassifier({**CONFIG, "intent_thresholds": thresholds})
