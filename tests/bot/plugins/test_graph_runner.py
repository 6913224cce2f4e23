"""The ordered graph runner gives what Rasa's dask runner gives, on the real model."""

from __future__ import annotations

import pytest
import rasa.core.processor
from rasa.core.channels.channel import UserMessage
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.launcher import find_model
from bot.plugins.graph_runner import OrderedGraphRunner
from core.settings import PROJECT_ROOT

pytestmark = pytest.mark.model

TEXTS = [
    "Hallo",
    "Was ist die Mitmachplattform?",
    "Welche Veranstaltungen gibt es nächste Woche in der Innenstadt?",
    "Was ist ein digitaler Zwilling?",
    "Ich möchte einen Vorschlag machen",
    "",
    "ääää 🙂 <script>",
]


@pytest.fixture(scope="module")
def agents():
    from rasa.core.agent import Agent

    model = str(find_model(PROJECT_ROOT / "models"))
    with pytest.MonkeyPatch.context() as patch:
        # Rasa's own, also when another test installed bot.plugins.tuning already.
        patch.setattr(rasa.core.processor, "DaskGraphRunner", DaskGraphRunner)
        dask = Agent.load(model_path=model)
        patch.setattr(rasa.core.processor, "DaskGraphRunner", OrderedGraphRunner)
        ordered = Agent.load(model_path=model)
    assert isinstance(ordered.processor.graph_runner, OrderedGraphRunner)
    assert not isinstance(dask.processor.graph_runner, OrderedGraphRunner)
    return dask, ordered


@pytest.mark.parametrize("text", TEXTS)
async def test_the_same_parse(agents, text):
    dask, ordered = agents
    message = UserMessage(text, sender_id="citizen")
    assert await ordered.processor.parse_message(message) == (
        await dask.processor.parse_message(message)
    )


@pytest.mark.parametrize("text", TEXTS)
async def test_the_same_next_action(agents, text):
    dask = agents[0]
    parsed = await dask.processor.parse_message(UserMessage(text, sender_id="citizen"))
    events = [ActionExecuted("action_session_start"), SessionStarted(),
              ActionExecuted("action_listen"), UserUttered(text, parsed["intent"])]  # fmt: skip
    predictions = [
        agent.processor.predict_next_with_tracker(
            DialogueStateTracker.from_events("citizen", events, agent.domain.slots)
        )
        for agent in agents
    ]
    assert predictions[0] == predictions[1]


def test_an_input_named_like_a_node_is_refused(agents):
    processor = agents[1].processor
    target = processor.model_metadata.nlu_target
    node = processor.graph_runner._order((target,))[0]
    with pytest.raises(GraphRunError, match="clashes"):
        processor.graph_runner.run(inputs={"__message__": node}, targets=[target])
