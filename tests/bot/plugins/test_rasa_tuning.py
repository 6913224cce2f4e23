"""The action server's replies are validated as strictly as Rasa does it."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.plugins import rasa_patches, tuning

REPLIES = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "topic", "value": "Mobilität"}]},
    {"events": [{"event": "active_loop", "name": None}], "responses": [{"text": "Hi"}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": ["not an object"]},
    {"events": [{"event": "slot", "name": 5}]},
]


@pytest.fixture
def action() -> RemoteAction:
    rasa_patches.apply()
    return RemoteAction("action_project_info", None)


@pytest.mark.parametrize("reply", REPLIES)
def test_same_verdict_as_jsonschema_validate(action, reply):
    try:
        jsonschema.validate(reply, RemoteAction.action_response_format_spec())
        expected = None
    except jsonschema.ValidationError as error:
        expected = error
    if expected is None:
        assert action._validate_action_result(reply) is True
    else:
        with pytest.raises(jsonschema.ValidationError) as raised:
            action._validate_action_result(reply)
        assert raised.value.path == expected.path


@pytest.mark.parametrize(
    "type_name", ["user", "bot", "action", "slot", "session_started", "active_loop"]
)
def test_event_classes_are_those_rasa_finds(type_name):
    from rasa.shared.core.events import Event

    walked = tuning._resolve_by_walking(type_name)
    rasa_patches.apply()
    assert Event.resolve_by_type(type_name) is walked


def test_unknown_event_types_behave_as_in_rasa():
    from rasa.shared.core.events import Event, UserUttered

    rasa_patches.apply()
    assert Event.resolve_by_type("no such event", UserUttered) is UserUttered
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no such event")
