"""action_session_start: a live chat stays paused; a long session goes on."""

from __future__ import annotations

from datetime import datetime, timezone

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from actions.db import live
from actions.db.session import get_engine
from actions.sdk.base import sender_key
from actions.sdk.session_actions import ActionSessionStart

DOMAIN = {"slots": {"list_cursor": {}, "suggestion_allowed": {"initial_value": True}}}


def long_session(slots: dict, loop: str | None = None) -> Tracker:
    """A session at its last message: the form asked for the topic."""
    return Tracker(
        sender_id="web:long",
        slots={"session_continued": True, **slots},
        latest_message={"text": "Mehr Bänke", "intent": {"name": "inform"}},
        events=[
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "Mehr Bänke"},
            {"event": "action", "name": "suggestion_form"},
            {"event": "bot", "text": "Zu welchem Thema?"},
            {"event": "action", "name": "action_listen"},
        ],
        paused=False,
        followup_action=None,
        active_loop={"name": loop} if loop else {},
        latest_action_name="action_listen",
    )


async def test_a_new_rasa_session_keeps_an_open_live_chat_paused(
    dispatcher, make_tracker, database_url, settings_env
):
    """Issue 30: Rasa's own session start un-pauses; after an hour of waiting
    for the team the bot would act on words meant for staff."""
    tracker = make_tracker(sender_id="web:waiting")
    plain = await ActionSessionStart().run(dispatcher, tracker, {})
    assert [e["event"] for e in plain] == ["session_started", "action"]
    with Session(get_engine(database_url), future=True) as s, s.begin():
        live.start(s, sender_id="web:waiting", sender_key=sender_key("web:waiting"),
                   channel="web", now=datetime.now(timezone.utc))  # fmt: skip
    waiting = await ActionSessionStart().run(dispatcher, tracker, {})
    assert [e["event"] for e in waiting] == ["session_started", "pause", "action"]
    assert waiting[-1]["name"] == "action_listen" and dispatcher.messages == []


async def test_after_an_hour_of_silence_nothing_is_carried_over(
    dispatcher, make_tracker, settings_env
):
    tracker = make_tracker(slots={"list_cursor": {"kind": "events"}})
    events = await ActionSessionStart().run(dispatcher, tracker, DOMAIN)
    assert [e["event"] for e in events] == ["session_started", "action"]


async def test_a_long_session_goes_on_with_its_slots_form_and_last_actions(
    dispatcher, settings_env
):
    tracker = long_session(
        {"list_cursor": {"kind": "events"}, "suggestion_allowed": True,
         "requested_slot": "topic", "idea": "Mehr Bänke"},
        loop="suggestion_form",
    )  # fmt: skip
    events = await ActionSessionStart().run(dispatcher, tracker, DOMAIN)
    assert events[0]["event"] == "session_started"
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    # Unchanged initial values and the marker itself are not repeated.
    assert slots == {
        "list_cursor": {"kind": "events"},
        "requested_slot": "topic",
        "idea": "Mehr Bänke",
    }
    tail = [(e["event"], e.get("name")) for e in events if e["event"] != "slot"]
    assert tail == [
        ("session_started", None),
        ("active_loop", "suggestion_form"),
        ("action", "suggestion_form"),
        ("action", "action_listen"),
    ]
    assert dispatcher.messages == []


async def test_after_an_hour_of_silence_leichte_sprache_stays(
    dispatcher, make_tracker, settings_env
):
    tracker = make_tracker(
        slots={"list_cursor": {"kind": "events"}, "sprache": "leicht"}
    )
    events = await ActionSessionStart().run(dispatcher, tracker, DOMAIN)
    assert [e["event"] for e in events] == ["session_started", "slot", "action"]
    assert (events[1]["name"], events[1]["value"]) == ("sprache", "leicht")
