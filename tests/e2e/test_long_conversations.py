"""Issue 30: a long conversation costs what a short one costs.

The e2e assistant ends a session after SESSION_MAX_TURNS messages
(tests/e2e/conftest.py sets a small number). A citizen must not notice: a
form goes on, a "ja" answers the question just asked, and the stored session
that Rasa reads on every turn never holds more than that many messages.
Typed through the widget's API, as citizens write; one variant presses the
form's buttons over Rasa's REST channel.
"""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from tests.e2e.chat import SESSION_MAX_TURNS, WebCitizen, fill_form, joined
from tests.e2e.test_typed_forms import finish, stored

FILLERS = ("Was ist die Mitmachplattform?", "Welche Veranstaltungen gibt es?")
# Unlike other tests' ideas: the form would offer them as similar ones.
TYPED_IDEA = "Die Sonnenuhr am Rathausturm geht eine Stunde falsch"
BUTTONS_IDEA = "Am Waldfriedhof fehlt eine Station zum Ausleihen von Gießkannen"
DELETED_IDEA = "Im Hallenbad Nord fehlt in der Umkleide ein Wickeltisch"


def session_messages(assistant, sender: str) -> tuple[int, int]:
    """(sessions started, messages in the newest session) of a conversation."""
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute(
            "SELECT type_name FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    kinds = [kind for (kind,) in rows]
    starts = [i for i, kind in enumerate(kinds) if kind == "session_started"]
    newest = kinds[starts[-1] :] if starts else kinds
    return len(starts), newest.count("user")


def sender_of(assistant, marker: str) -> str:
    with sqlite3.connect(assistant.tracker_db) as db:
        senders = {s for (s,) in db.execute(
            "SELECT sender_id FROM events WHERE data LIKE ?", (f"%{marker}%",)
        )}  # fmt: skip
    assert len(senders) == 1, senders
    return senders.pop()


async def fill_session(say, assistant, sender_marker: str, room: int) -> str:
    """Questions until `room` messages fit into the session before it ends."""
    marker = f"Gibt es Projekte zu {sender_marker}?"
    await say(marker)
    sender = sender_of(assistant, sender_marker)
    while session_messages(assistant, sender)[1] < SESSION_MAX_TURNS - room:
        await say(FILLERS[session_messages(assistant, sender)[1] % 2])
    return sender


@pytest.fixture
async def client(make_client):
    return await make_client(
        WEB_ADDRESS_PER_MINUTE="100000", WEB_CHAT_PER_MINUTE="100000"
    )


async def test_the_form_goes_on_in_the_next_session_typed(assistant, client):
    citizen, idea = WebCitizen(client), f"{TYPED_IDEA} ({uuid.uuid4().hex[:6]})"
    sender = await fill_session(citizen.say, assistant, uuid.uuid4().hex, room=2)
    asked = await citizen.say("Ich möchte einen Vorschlag machen")
    assert "Beschreiben Sie Ihre Idee" in asked
    assert "Zu welchem Thema" in await citizen.say(idea)
    assert session_messages(assistant, sender) == (1, SESSION_MAX_TURNS)
    # The next message starts a new session, in the middle of the form.
    asked = await citizen.say("Mobilität")
    assert "Ort oder Stadtteil" in asked
    assert session_messages(assistant, sender) == (2, 1)
    done = await finish(citizen, asked, idea)
    assert "Ihr Vorschlag ist gespeichert" in done, done
    assert stored(assistant, idea) == 1


async def test_the_form_goes_on_in_the_next_session_by_buttons(assistant, chat):
    marker = uuid.uuid4().hex
    await fill_session(chat, assistant, marker, room=3)
    summary = await fill_form(chat, idea=f"{BUTTONS_IDEA} {marker}")
    assert "Bitte prüfen Sie Ihren Vorschlag" in summary
    assert "gespeichert" in joined(await chat("/affirm"))
    assert stored(assistant, f"{BUTTONS_IDEA} {marker}") == 1
    starts, _ = session_messages(assistant, sender_of(assistant, marker))
    assert starts == 2


async def test_a_yes_answers_the_question_asked_in_the_last_session(assistant, client):
    citizen = WebCitizen(client)
    sender = await fill_session(citizen.say, assistant, uuid.uuid4().hex, room=1)
    offer = await citizen.say("Im Stadtpark sollten mehr Mülleimer stehen")
    assert "Möchten Sie sie als Vorschlag" in offer, offer
    assert "Zu welchem Thema" in await citizen.say("ja")
    assert session_messages(assistant, sender)[0] == 2


async def test_deleting_is_confirmed_across_the_boundary(assistant, client):
    citizen, idea = WebCitizen(client), f"{DELETED_IDEA} ({uuid.uuid4().hex[:6]})"
    await citizen.say("Ich möchte einen Vorschlag machen")
    await finish(citizen, await citizen.say(idea), idea)
    assert stored(assistant, idea) == 1
    await fill_session(citizen.say, assistant, uuid.uuid4().hex, room=1)
    asked = await citizen.say("Meine Daten löschen")
    assert "Soll ich wirklich alle Ihre Daten löschen?" in asked
    done = await citizen.say("Ja, alles löschen")
    assert "Gelöscht sind: 1 Vorschlag" in done, done
    assert stored(assistant, idea) == 0


async def test_a_stored_session_never_holds_more_than_the_limit(assistant, chat):
    marker = uuid.uuid4().hex
    await chat(f"Gibt es Projekte zu {marker}?")
    sender = sender_of(assistant, marker)
    for index in range(3 * SESSION_MAX_TURNS):
        await chat(FILLERS[index % 2])
        assert session_messages(assistant, sender)[1] <= SESSION_MAX_TURNS
    assert session_messages(assistant, sender)[0] == 4
