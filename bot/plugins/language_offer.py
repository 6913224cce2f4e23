"""Asks once whether to go on in English when a citizen writes in English.

A Rasa policy, so that the question comes before any answer, whatever the
message was about: when the last message is English by the language detector
(nlu/language_detector.py) with at least `min_confidence` and `min_words`
words, the conversation is not in English yet, no form is open and the
question was not asked before, it predicts `action_offer_english`. The
citizen's choice ("English" or "Deutsch") then answers that message in the
chosen language (actions/sdk/language_actions.py).

The thresholds are measured (docs/nlu-quality.md): at 3 words and 0.8 no
German sentence of the training and test sets is taken for English.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from core.protocol import ENGLISH, LANGUAGE_SLOT

OFFER_ACTION = "action_offer_english"
OFFERED_SLOT = "englisch_angeboten"
# Asking for a language already is its own answer.
LANGUAGE_INTENTS = {"english", "standard_sprache", "rephrase"}
WORD = re.compile(r"[^\W\d_]+")


def words(text: str) -> int:
    return len(WORD.findall(text))


def surely_english(text: str, language: dict[str, Any], config: dict[str, Any]) -> bool:
    """Whether the detector's guess is sure enough to ask about English."""
    return (
        language.get("name") == ENGLISH
        and language.get("confidence", 0) >= config["min_confidence"]
        and words(text) >= config["min_words"]
    )


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT,
    is_trainable=True,
)
class LanguageOfferPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Above RulePolicy (6): the question comes before the answer.
            "priority": 7,
            "min_confidence": 0.8,
            "min_words": 3,
        }

    def train(
        self,
        training_trackers: list[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        return self._resource  # nothing to learn

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = self.wanted(tracker)
        if action is not None:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    def wanted(self, tracker: DialogueStateTracker) -> str | None:
        if tracker.latest_action_name == OFFER_ACTION:
            return ACTION_LISTEN_NAME  # wait for the choice
        if tracker.latest_action_name != ACTION_LISTEN_NAME or tracker.active_loop_name:
            return None
        if tracker.get_slot(LANGUAGE_SLOT) == ENGLISH or tracker.get_slot(OFFERED_SLOT):
            return None
        message = tracker.latest_message
        if message is None:
            return None
        intent = message.intent_name or message.parse_data.get("intent", {}).get("name")
        if intent in LANGUAGE_INTENTS:
            return None
        language = message.parse_data.get("language") or {}
        if surely_english(message.text or "", language, self.config):
            return OFFER_ACTION
        return None
