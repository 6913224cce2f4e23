"""Rasa's SpacyNLP, loading each spaCy pipeline once per process.

Rasa's recipe makes two graph nodes of SpacyNLP (one provides the model, one
runs it), and each loads the pipeline: 1.5 s and 116 MB for a copy that the
running node never uses (docs/performance.md). Both now share one.
"""

from __future__ import annotations

from functools import lru_cache

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="SharedSpacyNLP",
)
class SharedSpacyNLP(SpacyNLP):
    """SpacyNLP whose pipelines are loaded once and shared by its nodes."""

    @staticmethod
    @lru_cache(maxsize=4)
    def load_model(spacy_model_name: str) -> SpacyModel:
        return SpacyNLP.load_model(spacy_model_name)
