"""Fixtures for the NLU components: the project's spaCy pipeline and a clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.training_data.message import Message

from tests.nlu.quality import tokenizing_pipeline

BERLIN = ZoneInfo("Europe/Berlin")
# A Thursday afternoon; the tests' "now".
NOW = datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)


@pytest.fixture
def model_storage(tmp_path) -> LocalModelStorage:
    return LocalModelStorage.create(tmp_path)


@pytest.fixture
def execution_context() -> ExecutionContext:
    return ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def _pipeline(tmp_path_factory: pytest.TempPathFactory):
    return tokenizing_pipeline(
        LocalModelStorage.create(tmp_path_factory.mktemp("spacy"))
    )


@pytest.fixture(scope="session")
def spacy_model(_pipeline) -> SpacyModel:
    return _pipeline[0].provide()


@pytest.fixture(scope="session")
def tokenize(_pipeline) -> Callable[[str], Message]:
    """A message processed like the trained pipeline does up to the extractors."""
    return _pipeline[1]


@pytest.fixture
def resource() -> Resource:
    return Resource("extractor")


@pytest.fixture(scope="session")
def agent():
    """The trained model, loaded once for every in-process parse."""
    from rasa.core.agent import Agent

    from bot.launcher import find_model
    from core.settings import PROJECT_ROOT

    return Agent.load(model_path=str(find_model(PROJECT_ROOT / "models")))
