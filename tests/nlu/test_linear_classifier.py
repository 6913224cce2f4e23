"""The linear intent classifier and FAQ selector: storage, empty texts, output shape."""

from __future__ import annotations

import json

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    FEATURE_TYPE_SEQUENCE,
    INTENT,
    INTENT_RESPONSE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import coo_matrix

from nlu.linear_classifier import (
    WEIGHTS_FILE,
    LinearIntentClassifier,
    LinearResponseSelector,
)

WORDS = ["hallo", "tschüss", "projekt", "wlan", "parken"]


def message(text: str, **data) -> Message:
    counts = np.array([[text.split().count(word) for word in WORDS]], dtype=float)
    found = Message(data={TEXT: text, **data})
    if text:  # Rasa's featurizers give an empty text no features at all
        for kind in (FEATURE_TYPE_SEQUENCE, FEATURE_TYPE_SENTENCE):
            found.add_features(Features(coo_matrix(counts), kind, TEXT, "counts"))
    return found


def examples() -> TrainingData:
    data = [("hallo hallo", "greet"), ("hallo", "greet"), ("tschüss", "goodbye"),
            ("tschüss tschüss", "goodbye"), ("projekt wlan", "faq", "faq/wlan"),
            ("wlan", "faq", "faq/wlan"), ("projekt parken", "faq", "faq/parken"),
            ("parken", "faq", "faq/parken")]  # fmt: skip
    messages = [
        message(
            e[0], **{INTENT: e[1]}, **({INTENT_RESPONSE_KEY: e[2]} if e[2:] else {})
        )
        for e in data
    ]
    responses = {"utter_faq/wlan": [{"text": "Freies WLAN gibt es …"}],
                 "utter_faq/parken": [{"text": "Parken …"}]}  # fmt: skip
    return TrainingData(training_examples=messages, responses=responses)


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


def trained(cls, storage, config=None):
    resource = Resource(cls.__name__)
    context = ExecutionContext(graph_schema=None, node_name=cls.__name__)
    config = {**cls.get_default_config(), **(config or {})}
    cls.create(config, storage, resource, context).train(examples())
    return cls.load(config, storage, resource, context)


def test_the_intent_classifier_survives_storage_and_an_empty_text(storage):
    classifier = trained(LinearIntentClassifier, storage)
    greeting, empty = classifier.process([message("hallo"), message("")])
    assert greeting.get(INTENT)["name"] == "greet"
    assert empty.get(INTENT)["name"] in {"greet", "goodbye", "faq"}
    assert len(greeting.get("intent_ranking")) == 3


def test_the_faq_selector_answers_in_response_selector_shape(storage):
    selector = trained(
        LinearResponseSelector, storage, {"retrieval_intent": "faq", "tfidf": True}
    )
    (answered,) = selector.process([message("wlan")])
    result = answered.get("response_selector")
    json.dumps(result)  # goes to the tracker and the action server as JSON
    assert result["all_retrieval_intents"] == ["faq"]
    assert result["faq"]["response"]["intent_response_key"] == "faq/wlan"
    assert result["faq"]["response"]["utter_action"] == "utter_faq/wlan"
    assert result["faq"]["response"]["responses"] == [{"text": "Freies WLAN gibt es …"}]
    ranking = [r["intent_response_key"] for r in result["faq"]["ranking"]]
    assert ranking == ["faq/wlan", "faq/parken"]


def test_unreadable_weights_leave_the_classifier_unfitted_and_say_so(storage, caplog):
    trained(LinearIntentClassifier, storage)
    resource = Resource(LinearIntentClassifier.__name__)
    with storage.write_to(resource) as folder:
        (folder / WEIGHTS_FILE).write_bytes(b"not numpy")
    context = ExecutionContext(graph_schema=None, node_name="intent")
    broken = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, resource, context
    )
    (untouched,) = broken.process([message("hallo")])
    assert untouched.get(INTENT) is None
    assert "unreadable" in caplog.text


def test_a_class_boost_weighs_a_label_up(tmp_path):
    def goodbye_confidence(config) -> float:
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        folder.mkdir()
        classifier = trained(LinearIntentClassifier, LocalModelStorage(folder), config)
        # As much a greeting as a goodbye: the weights decide.
        (parsed,) = classifier.process([message("hallo tschüss")])
        ranking = {r["name"]: r["confidence"] for r in parsed.get("intent_ranking")}
        return ranking["goodbye"]

    assert goodbye_confidence({"class_boost": {"goodbye": 20}}) > goodbye_confidence({})


@pytest.mark.parametrize("boost", [{"no_such_intent": 2}, {"greet": 0}, {"greet": "x"}])
def test_a_wrong_class_boost_fails_training_clearly(storage, boost):
    with pytest.raises(ValueError, match="class_boost"):
        trained(LinearIntentClassifier, storage, {"class_boost": boost})
