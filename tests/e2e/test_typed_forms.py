"""Issue 29: every step of every form, typed the way citizens type.

At each step of the suggestion form, the message form for the team and the
"Was hat gefehlt?" step, a citizen types "Absenden", "abbrechen", "nein",
"stopp", "weiter", "ok" or a message without words. Only the clear cancels
("abbrechen", "stopp") discard anything; after every other word the form goes
on, and finishing it stores exactly one suggestion with the idea written.
"""

from __future__ import annotations

import itertools
import sqlite3

import pytest

from tests.e2e.chat import WebCitizen

WORDS = ["Absenden", "abbrechen", "nein", "stopp", "weiter", "ok", "..."]
CLEAR_CANCELS = {"abbrechen", "stopp"}
numbers = itertools.count(1)


def idea_text() -> str:
    return (
        f"Am Hauptbahnhof fehlen überdachte Fahrradbügel, Wunsch Nummer {next(numbers)}"
    )


# The question each step asks -> what the citizen answers there.
ANSWERS = [
    ("Zu welchem Thema", "Mobilität"),
    ("Ort oder Stadtteil", "Überspringen"),
    ("Ähnliche Vorschläge", "Meinen Vorschlag trotzdem einreichen"),
    ("wirklich verwerfen", "Nein, weiter ausfüllen"),
    ("erfahren, was aus Ihrem Vorschlag wird", "Nein, danke"),
    ("Wie lautet Ihre E-Mail-Adresse", "Ohne E-Mail weiter"),
    ("Bitte bestätigen Sie: Ich willige ein", "Ich willige ein"),
    ("ohne Ihren Namen öffentlich zeigen", "Nein"),
    ("Bitte prüfen Sie Ihren Vorschlag", "Absenden"),
]
STEPS = {  # how to reach each step from the start of the form
    "idea": [],
    "topic": ["IDEA"],
    "place": ["IDEA", "Mobilität"],
    "news": ["IDEA", "Mobilität", "Überspringen"],
    "public": ["IDEA", "Mobilität", "Überspringen", "Nein, danke"],
    "summary": ["IDEA", "Mobilität", "Überspringen", "Nein, danke", "Nein"],
    "email": ["IDEA", "Mobilität", "Überspringen", "Ja, auch per E-Mail"],
    "consent": ["IDEA", "Mobilität", "Überspringen", "Ja, auch per E-Mail",
                "buerger@example.org"],
    # "Möchten Sie den Vorschlag wirklich verwerfen?" after an unsure cancel
    "discard": ["IDEA", "Mobilität", "Das möchte ich jetzt doch lieber abbrechen"],
}  # fmt: skip
# A yes to "wirklich verwerfen?" is a clear request too.
DISCARDING = {"discard": CLEAR_CANCELS | {"ok"}}


def stored(assistant, idea: str) -> int:
    with sqlite3.connect(assistant.database_url.removeprefix("sqlite:///")) as db:
        return db.execute(
            "SELECT count(*) FROM suggestions WHERE text = ?", (idea,)
        ).fetchone()[0]


async def finish(citizen: WebCitizen, reply: str, idea: str) -> str:
    """Answer whatever the form asks next until it is sent (or it is gone)."""
    for _ in range(12):
        if "Ihr Vorschlag ist gespeichert" in reply or "verworfen" in reply:
            return reply
        asked = [(reply.rfind(cue), answer) for cue, answer in ANSWERS if cue in reply]
        if "Beschreiben Sie Ihre Idee" in reply:
            asked.append((reply.rfind("Beschreiben Sie Ihre Idee"), idea))
        assert asked, f"the form asked something unknown: {reply}"
        reply = await citizen.say(max(asked)[1])  # the last question asked
    raise AssertionError(f"the form did not end: {reply}")


@pytest.fixture
async def client(make_client):
    return await make_client(
        WEB_ADDRESS_PER_MINUTE="100000", WEB_GLOBAL_PER_MINUTE="100000"
    )


@pytest.mark.parametrize("word", WORDS)
@pytest.mark.parametrize("step", list(STEPS))
async def test_a_typed_word_at_a_step_of_the_suggestion_form(
    assistant, client, step, word
):
    citizen, idea = WebCitizen(client), idea_text()
    reply = await citizen.say("Ich möchte einen Vorschlag machen")
    for message in STEPS[step]:
        reply = await citizen.say(idea if message == "IDEA" else message)
    reply = await citizen.say(word)
    if word in DISCARDING.get(step, CLEAR_CANCELS):
        assert "verworfen" in reply, reply
        assert stored(assistant, idea) == 0
        return
    assert "verworfen" not in reply, reply
    ended = await finish(citizen, reply, idea)
    assert "Ihr Vorschlag ist gespeichert" in ended, ended
    assert stored(assistant, idea) == 1


@pytest.mark.parametrize("word", WORDS)
@pytest.mark.parametrize("step", ["text", "contact"])
async def test_a_typed_word_in_the_message_for_the_team(client, step, word):
    citizen = WebCitizen(client)
    await citizen.say("Ich möchte eine Nachricht hinterlassen")
    if step == "contact":
        await citizen.say("Die Fußgängerampel am Schillerplatz bleibt immer rot.")
    reply = await citizen.say(word)
    if word in CLEAR_CANCELS:
        assert "Nachricht verworfen" in reply, reply
        return
    assert "verworfen" not in reply, reply
    for _ in range(4):
        if "ist beim Team" in reply:
            break
        if "Telefonnummer oder E-Mail-Adresse" in reply:
            reply = await citizen.say("Nein, nur hier im Chat")
        elif "wirklich verwerfen" in reply:
            reply = await citizen.say("Nein, weiter schreiben")
        else:
            reply = await citizen.say("Die Ampel am Schillerplatz bleibt immer rot.")
    assert "ist beim Team" in reply, reply


@pytest.mark.parametrize("word", WORDS)
async def test_a_typed_word_at_was_hat_gefehlt(client, word):
    citizen = WebCitizen(client)
    await citizen.say("Wer ist die Chief Digital Officer?")
    asked = await citizen.say("Nicht hilfreich")  # the 👎, typed
    assert "Was hat Ihnen gefehlt?" in asked
    reply = await citizen.say(word)
    # Every one of these ends the step without a comment; none is stored as one.
    assert "Danke! Das Team liest Ihren Hinweis" not in reply, reply


async def test_the_whole_form_typed_ends_with_absenden_and_one_row(assistant, client):
    citizen, idea = WebCitizen(client), idea_text()
    for text in ("Ich möchte einen Vorschlag machen", idea, "mobilität",
                 "ueberspringen", "Ja hier im Chat", "nein", "absenden"):  # fmt: skip
        reply = await citizen.say(text)
    assert "Ihr Vorschlag ist gespeichert" in reply
    assert await citizen.say("Absenden") and stored(assistant, idea) == 1


async def test_ja_alles_loeschen_typed_deletes(assistant, client):
    citizen, idea = WebCitizen(client), idea_text()
    await citizen.say("Ich möchte einen Vorschlag machen")
    for text in (idea, "Mobilität", "Überspringen", "Nein, danke", "Nein", "Absenden"):
        await citizen.say(text)
    assert stored(assistant, idea) == 1
    asked = await citizen.say("Meine Daten löschen")
    assert "Soll ich wirklich alle Ihre Daten löschen?" in asked
    done = await citizen.say("Ja, alles löschen")
    assert "Gelöscht sind: 1 Vorschlag" in done, done
    assert stored(assistant, idea) == 0
