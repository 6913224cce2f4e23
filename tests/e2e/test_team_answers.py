"""Issue 29: a citizen's reply to the team's message goes to the team, typed
in the widget or on Telegram; a question instead is answered as before."""

from __future__ import annotations

import html
import itertools
import sqlite3

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.db import review
from actions.db.models import ThreadReply
from actions.db.session import get_engine
from tests.e2e.live import logged_in, staff_session
from tests.e2e.test_live_chat import Widget, plain, texts
from tests.e2e.test_telegram import ask, shown, titles

TEAM_ASKS = "Wir haben die Ampel neu eingestellt. Klappt es jetzt?"
NOT_YET = "Nein, leider klappt es immer noch nicht"
chat_ids = itertools.count(88_001)


@pytest.fixture
async def staff(assistant):
    async with staff_session() as http:
        yield await logged_in(assistant, http, "answers-anna")


@pytest.fixture
async def widget(assistant):
    import aiohttp

    async with aiohttp.ClientSession() as http:
        yield Widget(http, assistant.web_url)


async def leave_a_message(widget) -> str:
    await widget.say("Ich möchte eine Nachricht hinterlassen")
    await widget.say("Die Fußgängerampel am Schillerplatz bleibt immer rot.")
    done = await widget.say("Nein, nur hier im Chat")
    return next(w for w in texts(done).split() if w.startswith("R-")).rstrip(".,")


def answers(assistant) -> list[tuple[str, str]]:
    with Session(get_engine(assistant.database_url), future=True) as session:
        return [
            (reply.text, reply.status)
            for reply in session.scalars(select(ThreadReply).order_by(ThreadReply.id))
        ]


async def test_a_typed_reply_to_the_teams_answer_reaches_the_callback_page(
    assistant, staff, widget
):
    reference = await leave_a_message(widget)
    await staff.post(f"/callbacks/{reference}/answer", text=TEAM_ASKS)
    [news] = await widget.wait_for_news(1)
    assert TEAM_ASKS in news

    offer = await widget.say(NOT_YET)
    assert f"Antwort an das Team zu Ihrer Nachricht {reference}" in texts(offer)
    sent = await widget.say("Ja, an das Team senden")  # typed, not tapped
    assert f"Ihre Antwort zu {reference} ist beim Team" in texts(sent)
    page = plain(await staff.page(f"/callbacks/{reference}"))
    assert NOT_YET in page and "Antworten der Person" in page
    assert "offen" in page  # the answer reopens the request

    # Only the message right after the team's: the next one is the assistant's.
    later = await widget.say("Welche Projekte gibt es?")
    assert "Smart-City-Projekte" in texts(later)


async def test_a_question_after_the_teams_message_is_answered(staff, widget):
    reference = await leave_a_message(widget)
    await staff.post(f"/callbacks/{reference}/answer", text=TEAM_ASKS)
    await widget.wait_for_news(1)
    reply = await widget.say("Welche Termine gibt es?")
    assert "Antwort an das Team" not in texts(reply)
    assert "Termine" in texts(reply)


async def test_no_gives_the_message_to_the_assistant(assistant, staff, widget):
    reference = await leave_a_message(widget)
    await staff.post(f"/callbacks/{reference}/answer", text=TEAM_ASKS)
    await widget.wait_for_news(1)
    aside = "Eigentlich wollte ich was anderes fragen"
    offer = await widget.say(aside)
    assert "Antwort an das Team" in texts(offer)
    reply = await widget.say("Nein, das war für den Assistenten")
    assert "beim Team" not in texts(reply) and reply["messages"]
    assert all(text != aside for text, _ in answers(assistant))


def test_a_telegram_reply_to_a_staff_message_reaches_the_suggestion_page(
    assistant, bot_api
):
    chat = next(chat_ids)
    for text in (
        "Ich möchte einen Vorschlag machen",
        "Am Stadtpark fehlen Mülleimer für Hundekotbeutel",
        "Umwelt und Energie",
        "Überspringen",
        "Ja, hier im Chat",
        "Nein",
    ):
        ask(bot_api, chat, text)
    saved = shown(ask(bot_api, chat, "Absenden"))
    reference = next(w for w in saved.split() if w.startswith("V-")).rstrip(".,")
    with Session(get_engine(assistant.database_url), future=True) as s, s.begin():
        review.send_message(s, reference, "Wo genau am Stadtpark?", actor="anna")
    bot_api.wait_for(
        "sendMessage", chat, count=len(bot_api.sent("sendMessage", chat)) + 1
    )

    offer = ask(bot_api, chat, "Am Eingang an der Parkstraße")
    assert f"zu Ihrem Vorschlag {reference}" in shown(offer)
    assert "Ja, an das Team senden" in titles(offer[-1])
    thanks = shown(ask(bot_api, chat, "ja"))  # a typed yes means the button
    assert f"Ihre Antwort zu {reference} ist beim Team" in html.unescape(thanks)
    assert ("Am Eingang an der Parkstraße", "sent") in answers(assistant)


def age_conversation(assistant, marker: str, seconds: int) -> str:
    """Move the conversation that contains `marker` back in time, so Rasa
    starts a new session (and forgets its slots) at the next message."""
    with sqlite3.connect(assistant.tracker_db) as db:
        senders = [s for (s,) in db.execute(
            "SELECT DISTINCT sender_id FROM events WHERE data LIKE ?", (f"%{marker}%",)
        )]  # fmt: skip
        assert len(senders) == 1, senders
        db.execute(
            "UPDATE events SET timestamp = timestamp - ?, data = json_set(data, "
            "'$.timestamp', json_extract(data, '$.timestamp') - ?) WHERE sender_id = ?",
            (seconds, seconds, senders[0]),
        )
    return senders[0]


def sessions_started(assistant, sender: str) -> int:
    with sqlite3.connect(assistant.tracker_db) as db:
        return db.execute(
            "SELECT count(*) FROM events WHERE sender_id = ? AND action_name = ?",
            (sender, "action_session_start"),
        ).fetchone()[0]


async def test_an_answer_after_the_session_expired_still_reaches_the_team(
    assistant, staff, widget
):
    """The team answers after lunch; Rasa's session (60 minutes) is long over."""
    reference = await leave_a_message(widget)
    await staff.post(f"/callbacks/{reference}/answer", text=TEAM_ASKS)
    await widget.wait_for_news(1)
    sender = age_conversation(assistant, reference, 3 * 3600)
    before = sessions_started(assistant, sender)
    offer = await widget.say("Seit gestern ist die Ampel wieder dauerhaft rot")
    assert f"zu Ihrer Nachricht {reference}" in texts(offer)
    sent = await widget.say("ja")
    assert f"Ihre Antwort zu {reference} ist beim Team" in texts(sent)
    assert ("Seit gestern ist die Ampel wieder dauerhaft rot", "sent") in answers(
        assistant
    )
    # The assistant's own next turn shows the session had expired.
    assert "Termine" in texts(await widget.say("Welche Termine gibt es?"))
    assert sessions_started(assistant, sender) == before + 1
