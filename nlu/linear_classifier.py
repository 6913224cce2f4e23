"""Intent and FAQ classification by logistic regression, without TensorFlow models.

Both components train Rasa's own LogisticRegressionClassifier setup on the
sparse sentence features of the featurizers. They differ from it in storage:
the weights go to a NumPy file instead of skops, whose import alone took 8 s of
the model's load (docs/performance.md). The file holds numbers and label
strings only and is read with allow_pickle=False.

LinearResponseSelector answers the retrieval intent (the FAQ) in exactly the
output shape of Rasa's ResponseSelector, so `utter_faq`, `rasa test nlu` and
the FAQ rules work unchanged.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import (
    LogisticRegressionClassifier,
)
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import raise_warning
from scipy.sparse import csr_matrix, vstack
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.utils.class_weight import compute_class_weight

logger = logging.getLogger(__name__)

WEIGHTS_FILE = "weights.npz"
RANKING_LENGTH = 10


class _StoredAsArrays(LogisticRegressionClassifier):
    """Rasa's logistic regression, persisted as plain arrays.

    Options added to Rasa's: `C` (inverse regularisation strength);
    `tfidf`, which weighs the counts by sublinear TF-IDF and normalises each
    message, it helped the many small FAQ classes; `class_boost`, factors on
    the balanced weight of some labels. Out-of-scope requests are the most
    varied class: weighed 2.5 times, it was recognised as often as by DIET
    (docs/performance.md).
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "C": 1.0,
            "tfidf": False,
            "class_boost": {},
        }

    def __init__(self, config, name, model_storage, resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.C = float(self.config["C"])
        self._tfidf: TfidfTransformer | None = None

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        if any(m.get_dense_features(TEXT)[1] is not None for m in messages):
            features = super()._create_X(messages)
        else:
            features = self._sparse_sentences(messages)
        return features if self._tfidf is None else self._tfidf.transform(features)

    def _sparse_sentences(self, messages: list[Message]) -> csr_matrix:
        """Rasa's version stacks a sparse and a dense part per message with
        scipy (2 ms a call) and fails on a message without features (an empty
        text); this one takes the sentence features alone, zeros if none."""
        rows = []
        for message in messages:
            _, sentence = message.get_sparse_features(TEXT)
            rows.append(None if sentence is None else sentence.features.tocsr())
        width = next((r.shape[1] for r in rows if r is not None), self._width())
        if not rows:
            return csr_matrix((0, width))
        return vstack(
            [csr_matrix((1, width)) if r is None else r for r in rows], format="csr"
        )

    def _width(self) -> int:
        coef = getattr(self.clf, "coef_", None)
        return 0 if coef is None else coef.shape[1]

    def train(self, training_data: TrainingData) -> Resource:
        self._tfidf = None
        features, labels = self._create_training_matrix(training_data)
        if features.shape[0] == 0:
            return self._resource
        if self.config["tfidf"]:
            self._tfidf = TfidfTransformer(sublinear_tf=True).fit(features)
            features = self._tfidf.transform(features)
        self.clf.class_weight = self._class_weight(labels)
        self.clf.fit(features, labels)
        self.persist()
        return self._resource

    def _class_weight(self, labels) -> str | dict[str, float]:
        """Rasa's balanced weights, times `class_boost` for the labels it names."""
        boost = self.config["class_boost"] or {}
        if not isinstance(boost, dict) or not all(
            isinstance(f, (int, float)) and f > 0 for f in boost.values()
        ):
            raise ValueError(f"{self.name}: class_boost must map labels to factors > 0")
        classes = np.unique(labels)
        unknown = set(boost) - set(classes)
        if unknown:
            raise ValueError(f"{self.name}: class_boost names unknown labels {unknown}")
        if not boost:
            return "balanced"
        weights = compute_class_weight("balanced", classes=classes, y=labels)
        return {
            c: w * float(boost.get(c, 1)) for c, w in zip(classes, weights, strict=True)
        }

    def _metadata(self) -> dict[str, Any]:
        return {}

    def _restore(self, metadata: dict[str, Any]) -> None:
        """Set what _metadata() stored."""

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            np.savez(
                model_dir / WEIGHTS_FILE,
                coef=self.clf.coef_,
                intercept=self.clf.intercept_,
                classes=np.asarray(self.clf.classes_, dtype=str),
                idf=np.zeros(0) if self._tfidf is None else self._tfidf.idf_,
            )
            (model_dir / "metadata.json").write_text(
                json.dumps(self._metadata(), ensure_ascii=False), encoding="utf-8"
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> _StoredAsArrays:
        component = cls(config, execution_context.node_name, model_storage, resource)
        try:
            with model_storage.read_from(resource) as model_dir:
                with np.load(model_dir / WEIGHTS_FILE, allow_pickle=False) as weights:
                    component.clf.coef_ = weights["coef"]
                    component.clf.intercept_ = weights["intercept"]
                    component.clf.classes_ = weights["classes"]
                    if weights["idf"].size:
                        component._tfidf = TfidfTransformer(sublinear_tf=True)
                        component._tfidf.idf_ = weights["idf"]
                metadata = json.loads(
                    (model_dir / "metadata.json").read_text(encoding="utf-8")
                )
        except FileNotFoundError:
            # Trained on no data: Rasa's own classifier also stays unfitted.
            return cls(config, execution_context.node_name, model_storage, resource)
        except (ValueError, KeyError) as error:
            logger.error("%s: the stored weights are unreadable (%s); retrain the "
                         "model.", execution_context.node_name, error)  # fmt: skip
            return cls(config, execution_context.node_name, model_storage, resource)
        component.clf.n_features_in_ = component.clf.coef_.shape[1]
        component._restore(metadata)
        return component

    def _probabilities(self, messages: list[Message]) -> np.ndarray | None:
        if not hasattr(self.clf, "coef_"):
            return None
        return self.clf.predict_proba(self._create_X(messages))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LinearIntentClassifier(_StoredAsArrays):
    """Rasa's LogisticRegressionClassifier that loads in milliseconds."""

    def process(self, messages: list[Message]) -> list[Message]:
        if not hasattr(self.clf, "coef_"):
            return messages
        return super().process(messages)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LinearResponseSelector(_StoredAsArrays):
    """Chooses the answer of a retrieval intent (`faq/...`) like ResponseSelector."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**_StoredAsArrays.get_default_config(), "retrieval_intent": None}

    def __init__(self, config, name, model_storage, resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.retrieval_intent: str | None = self.config["retrieval_intent"]
        self.all_retrieval_intents: list[str] = []
        self.responses: dict[str, list[dict[str, Any]]] = {}

    def _create_training_matrix(self, training_data: TrainingData):
        self.all_retrieval_intents = sorted(training_data.retrieval_intents)
        examples = [
            e
            for e in training_data.intent_examples
            if e.get(TEXT)
            and e.get(INTENT_RESPONSE_KEY)
            and (self.retrieval_intent in (None, e.get(INTENT)))
        ]
        self.responses = {
            key: value
            for key, value in training_data.responses.items()
            if any(f"utter_{e.get(INTENT_RESPONSE_KEY)}" == key for e in examples)
        }
        if not examples:
            raise_warning(
                f"{self.name}: no examples of a retrieval intent to train on."
            )
            return csr_matrix((0, 0)), []
        return self._create_X(examples), [e.get(INTENT_RESPONSE_KEY) for e in examples]

    def _metadata(self) -> dict[str, Any]:
        return {
            "retrieval_intents": self.all_retrieval_intents,
            "responses": self.responses,
        }

    def _restore(self, metadata: dict[str, Any]) -> None:
        self.all_retrieval_intents = list(metadata.get("retrieval_intents", []))
        self.responses = dict(metadata.get("responses", {}))

    def process(self, messages: list[Message]) -> list[Message]:
        probabilities = self._probabilities(messages)
        if probabilities is None:
            return messages
        keys = list(self.clf.classes_)
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(-row)[:RANKING_LENGTH]
            best = keys[order[0]]
            prediction = {
                RESPONSE_SELECTOR_PREDICTION_KEY: {
                    RESPONSE_SELECTOR_RESPONSES_KEY: self.responses.get(
                        f"utter_{best}", []
                    ),
                    PREDICTED_CONFIDENCE_KEY: float(row[order[0]]),
                    INTENT_RESPONSE_KEY: best,
                    RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{best}",
                },
                RESPONSE_SELECTOR_RANKING_KEY: [
                    {
                        "id": int(index),
                        PREDICTED_CONFIDENCE_KEY: float(row[index]),
                        INTENT_RESPONSE_KEY: keys[index],
                    }
                    for index in order
                ],
            }
            properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME, {})
            properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = self.all_retrieval_intents
            properties[
                self.retrieval_intent or RESPONSE_SELECTOR_DEFAULT_INTENT
            ] = prediction
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)
        return messages
