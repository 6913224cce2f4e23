"""Which language a message is in, German or English, and how sure that is.

Lingua's models ship inside its package (no download at run time) and it is
made for short texts. Restricted to the two languages the assistant speaks,
it costs about 40 µs per message. The result goes into the parse data as
`language: {"name": "en"|"de", "confidence": ...}`; the policy in
nlu/language_offer.py decides whether that is sure enough to ask a citizen
once whether to go on in English (thresholds measured in docs/nlu-quality.md).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lingua import Language, LanguageDetector, LanguageDetectorBuilder
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

LANGUAGE = "language"
CODES = {Language.GERMAN: "de", Language.ENGLISH: "en"}
# Longer texts say nothing more about their language and cost more.
MAX_CHARS = 500


@lru_cache(maxsize=1)
def detector() -> LanguageDetector:
    return (
        LanguageDetectorBuilder.from_languages(*CODES)
        .with_preloaded_language_models()
        .build()
    )


def detect(text: str) -> dict[str, Any] | None:
    """The likelier language of `text` and its confidence; None for a button
    payload or a text without letters."""
    text = text.strip()[:MAX_CHARS]
    if text.startswith("/") or not any(c.isalpha() for c in text):
        return None
    best = detector().compute_language_confidence_values(text)[0]
    return {"name": CODES[best.language], "confidence": round(best.value, 4)}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class LanguageDetectorComponent(GraphComponent):
    """Adds `language` to each message's parse data."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetectorComponent:
        detector()  # loaded with the model, not on the first message
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            found = detect(message.get(TEXT) or "")
            if found is not None:
                message.set(LANGUAGE, found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
