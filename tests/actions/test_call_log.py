"""The action server finds the message's request id in Rasa's call (actions.call_log)."""

from __future__ import annotations

import pytest

from actions.call_log import action_of, request_id_of

ID = "0123456789abcdef0123456789abcdef"


def call(action: str, latest: dict | None = None, slots: dict | None = None) -> dict:
    return {
        "next_action": action,
        "tracker": {"latest_message": latest or {}, "slots": slots or {}},
    }


def test_the_id_is_in_the_latest_message_s_metadata():
    latest = {"text": "Hallo", "metadata": {"channel": "web", "request_id": ID}}
    assert request_id_of(call("action_project_info", latest)) == ID


def test_a_new_session_takes_it_from_the_session_start_slot():
    """action_session_start runs before Rasa adds the new message: the latest
    one is the last session's, with an old id."""
    latest = {"metadata": {"request_id": "old-request-id"}}
    slots = {"session_started_metadata": {"request_id": ID}}
    assert request_id_of(call("action_session_start", latest, slots)) == ID
    assert request_id_of(call("action_session_start", latest)) is None


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {},
        {"tracker": None},
        {"tracker": {"latest_message": None}},
        call("action_x", {"metadata": None}),
        call("action_x", {"metadata": ["request_id"]}),
        call("action_x", {"metadata": {"request_id": "ben@example.org"}}),
        call("action_x", {"metadata": {"request_id": 12345678}}),
    ],
)
def test_without_a_valid_id_there_is_none(body):
    assert request_id_of(body) is None


def test_only_an_action_like_name_is_logged():
    assert action_of(call("validate_suggestion_form")) == "validate_suggestion_form"
    assert action_of(call("ben@example.org")) == "?"
    assert action_of({"next_action": 7}) == "?"
