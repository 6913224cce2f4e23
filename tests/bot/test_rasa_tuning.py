"""The action server's replies are validated as strictly as Rasa does it."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.plugins.tuning import validate_action_replies_with_one_validator

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
    validate_action_replies_with_one_validator()
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
