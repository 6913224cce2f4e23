"""A person from the team: live chat when someone is there in office hours,
else a message (callback request); and "Meine Daten löschen" covers both."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.db import callbacks, live, notifications
from actions.db.models import CallbackRequest, LiveChat, Notification
from actions.db.session import get_engine
from actions.sdk.base import sender_key
from actions.sdk.contact_actions import ActionContact
from actions.sdk.deletion_actions import ActionDeleteMyData
from actions.sdk.live_actions import (
    ActionFallback,
    ActionRequestHuman,
    ActionSubmitCallback,
    ValidateCallbackForm,
)
from core.settings import get_settings
from tests.helpers import responses, template_text

WEDNESDAY_10 = "2026-12-02T10:00:00+01:00"
WEDNESDAY_20 = "2026-12-02T20:00:00+01:00"
CHRISTMAS_10 = "2026-12-25T10:00:00+01:00"


@pytest.fixture
def clock(monkeypatch, settings_env):
    def set_time(iso: str) -> datetime:
        monkeypatch.setenv("SMARTCITY_FIXED_TIME", iso)
        get_settings.cache_clear()
        return get_settings().now()

    return set_time


def make_available(database_url, now, username="anna"):
    with Session(get_engine(database_url), future=True) as session, session.begin():
        live.set_available(session, username, now + timedelta(hours=2), now=now)


def rows(database_url, model):
    with Session(get_engine(database_url), future=True) as session:
        return list(session.scalars(select(model)))


def web_tracker(make_tracker, text="Ich möchte mit einem Menschen sprechen", **kw):
    tracker = make_tracker(text, kw.pop("intent", "request_human"), **kw)
    tracker.latest_message["metadata"] = {"channel": "web"}
    return tracker


async def test_someone_available_in_hours_hands_over_and_pauses(
    dispatcher, make_tracker, database_url, clock
):
    now = clock(WEDNESDAY_10)
    make_available(database_url, now)
    tracker = web_tracker(make_tracker, sender_id="web:abc")
    events = await ActionRequestHuman().run(dispatcher, tracker, {})
    assert {"event": "pause", "timestamp": None} in events
    text = dispatcher.messages[0]["text"]
    assert "Person aus dem Team" in text and "zurück zum Assistenten" in text
    [chat] = rows(database_url, LiveChat)
    assert (chat.sender_id, chat.channel, chat.status) == ("web:abc", "web", "waiting")
    assert chat.sender_key == sender_key("web:abc")


async def test_asking_twice_keeps_one_live_chat(
    dispatcher, make_tracker, database_url, clock
):
    make_available(database_url, clock(WEDNESDAY_10))
    for _ in range(2):
        await ActionRequestHuman().run(dispatcher, web_tracker(make_tracker), {})
    assert len(rows(database_url, LiveChat)) == 1


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (WEDNESDAY_20, "Wir sind wieder morgen (Donnerstag) ab 9 Uhr für Sie da."),
        (CHRISTMAS_10, "Heute ist Erster Weihnachtstag, das Büro ist geschlossen."),
    ],
)
async def test_outside_hours_no_handoff_but_the_hours_and_a_message(
    dispatcher, make_tracker, database_url, clock, moment, said
):
    make_available(database_url, clock(moment))  # available, but the office is closed
    events = await ActionRequestHuman().run(dispatcher, web_tracker(make_tracker), {})
    assert events == []
    [message] = dispatcher.messages
    assert said in message["text"]
    assert "Sprechzeiten: Mo–Do 9–16 Uhr, Fr 9–12 Uhr." in message["text"]
    assert message["buttons"][0]["payload"] == "/leave_message"
    assert rows(database_url, LiveChat) == []


async def test_in_hours_with_nobody_available(
    dispatcher, make_tracker, database_url, clock
):
    now = clock(WEDNESDAY_10)
    make_available(database_url, now - timedelta(hours=3))  # until one hour ago
    await ActionRequestHuman().run(dispatcher, web_tracker(make_tracker), {})
    assert "niemand aus dem Team" in dispatcher.messages[0]["text"]
    assert rows(database_url, LiveChat) == []


async def test_availability_ends_with_the_staff_session(database_url, clock):
    now = clock(WEDNESDAY_10)
    make_available(database_url, now)
    idle = timedelta(minutes=get_settings().staff_idle_minutes)
    with Session(get_engine(database_url), future=True) as session:
        assert live.anyone_available(session, now=now, idle=idle)
        assert not live.anyone_available(session, now=now + idle, idle=idle)


async def test_the_plain_rest_api_cannot_hand_over(
    dispatcher, make_tracker, database_url, clock
):
    make_available(database_url, clock(WEDNESDAY_10))
    tracker = make_tracker("Mensch bitte", "request_human")  # no channel: "rest"
    assert await ActionRequestHuman().run(dispatcher, tracker, {}) == []
    assert responses(dispatcher) == ["utter_live_chat_not_here"]


def group_tracker(make_tracker, text="@stadt_bot Ich möchte mit einem Menschen sprechen",
                  **kw):  # fmt: skip
    """A member's conversation in a Telegram group, as bot.telegram.bridge sends it."""
    tracker = make_tracker(text, kw.pop("intent", "request_human"),
                           sender_id="telegram:-4343:71", **kw)  # fmt: skip
    tracker.latest_message["metadata"] = {"channel": "telegram", "chat_type": "group"}
    return tracker


async def test_in_a_telegram_group_the_team_is_only_offered_in_private(
    dispatcher, make_tracker, database_url, clock
):
    """Issue 30.10: the team's replies go to the chat the conversation is in;
    in a group, every member read them."""
    make_available(database_url, clock(WEDNESDAY_10))
    events = await ActionRequestHuman().run(dispatcher, group_tracker(make_tracker), {})
    assert events == [] and rows(database_url, LiveChat) == []
    [message] = dispatcher.messages
    assert "nur im privaten Chat" in message["text"] and not message.get("buttons")

    dispatcher.messages.clear()
    await ActionContact().run(dispatcher, group_tracker(make_tracker, "Kontakt",
                                                        intent="ask_contact"), {})  # fmt: skip
    assert not dispatcher.messages[0].get("buttons")

    earlier = {"event": "user", "text": "xyz",
               "parse_data": {"intent": {"name": "nlu_fallback"}}}  # fmt: skip
    tracker = group_tracker(make_tracker, "blubb", intent="nlu_fallback")
    tracker.events.insert(0, earlier)
    dispatcher.messages.clear()
    await ActionFallback().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_fallback"]

    tracker = group_tracker(make_tracker, "0631 123", intent="inform",
                            slots={"callback_text": "Bitte um Rückruf zum Parken",
                                   "callback_contact": "0631 123"})  # fmt: skip
    await ActionSubmitCallback().run(dispatcher, tracker, {})
    [request] = rows(database_url, CallbackRequest)
    assert (request.contact, request.reply_to) == ("0631 123", None)


async def test_during_the_form_a_handoff_ends_the_form(
    dispatcher, make_tracker, database_url, clock
):
    make_available(database_url, clock(WEDNESDAY_10))
    tracker = web_tracker(make_tracker, active_loop="suggestion_form")
    events = await ActionRequestHuman().run(dispatcher, tracker, {})
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    assert dispatcher.messages[0]["text"].startswith("Ihr Vorschlag ist noch nicht")


async def test_the_second_misunderstanding_in_a_row_offers_a_person(
    dispatcher, make_tracker, database_url, clock
):
    make_available(database_url, clock(WEDNESDAY_10))
    tracker = web_tracker(make_tracker, "blubb", intent="nlu_fallback")
    await ActionFallback().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_fallback"]

    earlier = {"event": "user", "text": "xyz",
               "parse_data": {"intent": {"name": "nlu_fallback"}}}  # fmt: skip
    tracker.events.insert(0, earlier)
    dispatcher.messages.clear()
    await ActionFallback().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_fallback_again"]
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/request_human"


async def test_the_contact_answer_offers_the_live_chat_only_when_possible(
    dispatcher, make_tracker, database_url, clock
):
    clock(WEDNESDAY_10)
    tracker = web_tracker(make_tracker, "Kontakt", intent="ask_contact")
    await ActionContact().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/leave_message"

    make_available(database_url, get_settings().now())
    dispatcher.messages.clear()
    await ActionContact().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/request_human"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Bitte rufen Sie mich wegen der Parkplätze zurück", True),
        ("hi", False),
        ("/affirm", False),
        ("x" * 2001, False),
    ],
)
async def test_the_message_must_say_something(dispatcher, make_tracker, text, kept):
    result = await ValidateCallbackForm().validate_callback_text(
        text, dispatcher, make_tracker(text), {}
    )
    assert (result["callback_text"] is not None) is kept


async def test_a_message_becomes_a_callback_request(
    dispatcher, make_tracker, database_url, clock
):
    clock(WEDNESDAY_20)
    tracker = web_tracker(make_tracker, "0631 123", intent="inform", sender_id="web:a",
                          slots={"callback_text": "Bitte um Rückruf zum Parken",
                                 "callback_contact": "0631 123"})  # fmt: skip
    await ActionSubmitCallback().run(dispatcher, tracker, {})
    [request] = rows(database_url, CallbackRequest)
    assert (request.text, request.contact, request.reply_to, request.status) == (
        "Bitte um Rückruf zum Parken", "0631 123", "web:a", "offen",
    )  # fmt: skip
    assert request.reference.startswith("R-")
    assert dispatcher.messages[0]["reference"] == request.reference


async def test_an_answer_goes_to_the_chat_once(database_url, settings_env):
    with Session(get_engine(database_url), future=True) as session, session.begin():
        request = callbacks.create(session, callbacks.NewCallback(
            channel="telegram", sender_key="k", text="Frage", reply_to="telegram:42"))  # fmt: skip
        assert callbacks.answer(session, request, "Wir rufen morgen an.", "anna")
        assert request.status == "erledigt" and request.handled_by == "anna"
    [note] = rows(database_url, Notification)
    assert note.recipient == "telegram:42" and "Wir rufen morgen an." in note.text
    with Session(get_engine(database_url), future=True) as session, pytest.raises(
        callbacks.CallbackError
    ):
        callbacks.answer(session, request, "   ", "anna")


async def test_deletion_removes_live_chats_callbacks_and_team_messages(
    dispatcher, make_tracker, database_url, clock
):
    now = clock(WEDNESDAY_10)
    sender, key = "web:me", sender_key("web:me")
    with Session(get_engine(database_url), future=True) as session, session.begin():
        chat = live.start(
            session, sender_id=sender, sender_key=key, channel="web", now=now
        )
        live.end(session, chat, "anna", now=now)
        callbacks.create(
            session, callbacks.NewCallback("web", key, "Text", None, sender)
        )
        notifications.queue(session, "web", sender, "Antwort aus dem Team", now=now)
        other = live.start(session, sender_id="web:other", sender_key="o",
                           channel="web", now=now).id  # fmt: skip
    tracker = web_tracker(make_tracker, "/affirm", intent="affirm", sender_id=sender)
    await ActionDeleteMyData().run(dispatcher, tracker, {})
    assert [c.id for c in rows(database_url, LiveChat)] == [other]
    assert rows(database_url, CallbackRequest) == []
    with Session(get_engine(database_url), future=True) as session:
        left = session.scalar(select(func.count()).select_from(Notification))
    assert left == 0


def test_a_fixed_clock_needs_an_offset(monkeypatch):
    from core.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="offset"):
        Settings.from_env({"SMARTCITY_FIXED_TIME": "2026-12-02T10:00:00"})
    fixed = Settings.from_env({"SMARTCITY_FIXED_TIME": WEDNESDAY_10}).now()
    assert fixed == datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)


async def test_a_full_queue_offers_a_message_instead(
    dispatcher, make_tracker, database_url, clock
):
    """Issue 30: every fresh session could add a waiting chat to the queue."""
    QUEUE_FULL = template_text("tpl_live_queue_full")

    now = clock(WEDNESDAY_10)
    max_waiting = get_settings().live_max_waiting
    make_available(database_url, now)
    with Session(get_engine(database_url), future=True) as s, s.begin():
        for n in range(max_waiting):
            live.start(s, sender_id=f"web:w{n}", sender_key=sender_key(f"web:w{n}"),
                       channel="web", now=now)  # fmt: skip
    await ActionRequestHuman().run(dispatcher, web_tracker(make_tracker), {})
    assert QUEUE_FULL in dispatcher.messages[0]["text"]
    assert "Nachricht hinterlassen" in str(dispatcher.messages[0]["buttons"])
    assert len(rows(database_url, LiveChat)) == max_waiting
    # One who waits already keeps their place when asking again.
    dispatcher.messages.clear()
    waiting = web_tracker(make_tracker, sender_id="web:w0")
    events = await ActionRequestHuman().run(dispatcher, waiting, {})
    assert {"event": "pause"} in [{"event": e["event"]} for e in events]


def test_idle_chats_end_and_all_end_when_the_office_closes(database_url):
    now = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
    idle = timedelta(minutes=30)
    with Session(get_engine(database_url), future=True) as s, s.begin():
        live.start(s, sender_id="web:quiet", sender_key="q", channel="web",
                   now=now - idle)  # fmt: skip
        busy = live.start(s, sender_id="web:busy", sender_key="b", channel="web",
                          now=now - idle)  # fmt: skip
        live.touch(s, busy.id, now=now - timedelta(minutes=29))
    with Session(get_engine(database_url), future=True) as s, s.begin():
        ended = live.end_stale(s, now=now, idle=idle, office_open=True)
        assert [c.sender_id for c in ended] == ["web:quiet"]
        assert ended[0].ended_by == live.AUTOMATIC
    with Session(get_engine(database_url), future=True) as s, s.begin():
        ended = live.end_stale(s, now=now, idle=idle, office_open=False)
        assert [c.sender_id for c in ended] == ["web:busy"]
        assert live.end_stale(s, now=now, idle=idle, office_open=False) == []


async def test_one_address_waits_in_at_most_two_chats(
    dispatcher, make_tracker, database_url, clock
):
    QUEUE_FULL = template_text("tpl_live_queue_full")

    make_available(database_url, clock(WEDNESDAY_10))
    per_address = get_settings().live_waiting_per_address
    address = "ab" * 16

    def from_address(n: int):
        tracker = web_tracker(make_tracker, sender_id=f"web:fresh{n}")
        tracker.latest_message["metadata"]["address_key"] = address
        return tracker

    for n in range(per_address):
        await ActionRequestHuman().run(dispatcher, from_address(n), {})
    assert QUEUE_FULL not in str(dispatcher.messages)
    await ActionRequestHuman().run(dispatcher, from_address(99), {})
    assert QUEUE_FULL in dispatcher.messages[-1]["text"]
    chats = rows(database_url, LiveChat)
    assert len(chats) == per_address
    assert {c.address_key for c in chats} == {address}
