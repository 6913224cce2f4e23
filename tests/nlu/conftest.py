"""Fixtures for the NLU components: the project's spaCy pipeline and a clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.training_data.message import Message

from bot.settings import PROJECT_ROOT
from nlu.spacy_pipeline import spacy_model_setting

BERLIN = ZoneInfo("Europe/Berlin")
# A Thursday afternoon; the tests' "now".
NOW = datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def model_storage(tmp_path) -> LocalModelStorage:
    return LocalModelStorage.create(tmp_path)


@pytest.fixture
def execution_context() -> ExecutionContext:
    return ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def spacy_nlp(tmp_path_factory: pytest.TempPathFactory) -> SpacyNLP:
    model = PROJECT_ROOT / spacy_model_setting(PROJECT_ROOT / "config.yml")
    return SpacyNLP.create(
        {**SpacyNLP.get_default_config(), "model": str(model)},
        LocalModelStorage.create(tmp_path_factory.mktemp("spacy")),
        Resource("spacy"),
        ExecutionContext(graph_schema=None, model_id="test"),  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
def spacy_model(spacy_nlp: SpacyNLP) -> SpacyModel:
    return spacy_nlp.provide()


@pytest.fixture(scope="session")
def tokenize(spacy_nlp: SpacyNLP, spacy_model: SpacyModel) -> Callable[[str], Message]:
    """A message processed like the trained pipeline does up to the extractors."""
    tokenizer = SpacyTokenizer(SpacyTokenizer.get_default_config())

    def run(text: str) -> Message:
        messages: list[Message] = [Message.build(text=text)]
        spacy_nlp.process(messages, spacy_model)
        tokenizer.process(messages)
        return messages[0]

    return run


@pytest.fixture
def resource() -> Resource:
    return Resource("extractor")
