"""Rasa's FallbackClassifier with a higher bar for a few intents.

An offer to hand in an idea that is really a request to a personal assistant
("Gib mir einen Tipp, wie ich mit dem Rauchen aufhöre", share_idea 0.43) is
worse than "nicht verstanden"; the rephrase answer says little more than the
fallback does. On the held-out sets (docs/nlu-quality.md), share_idea below
0.5 and rephrase below 0.6 were requests of that kind, and no held-out idea
or rephrase request was that unsure.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

INTENT_THRESHOLDS = "intent_thresholds"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class IntentFallbackClassifier(FallbackClassifier):
    """`threshold` and `ambiguity_threshold` as in Rasa; `intent_thresholds`
    maps an intent to the confidence it needs on top of that."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**FallbackClassifier.get_default_config(), INTENT_THRESHOLDS: {}}

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        thresholds = config.get(INTENT_THRESHOLDS) or {}
        if not isinstance(thresholds, dict) or not all(
            isinstance(name, str) and isinstance(value, (int, float)) and 0 < value <= 1
            for name, value in thresholds.items()
        ):
            raise InvalidConfigException(
                f"{INTENT_THRESHOLDS} must map intent names to numbers in (0, 1]"
            )
        self._thresholds: dict[str, float] = {
            name: float(value) for name, value in thresholds.items()
        }

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentFallbackClassifier:
        return cls(config)

    def _should_fallback(self, message: Message) -> bool:
        if super()._should_fallback(message):
            return True
        intent = message.data.get(INTENT) or {}
        needed = self._thresholds.get(intent.get(INTENT_NAME_KEY))
        confidence = intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0
        return needed is not None and confidence < needed
