"""The widget's chat API and the conversation path (ChatApi, the gateway) in
milliseconds: the real web app and database, Rasa's REST channel replaced by
a scripted fake (issue 32.4). The e2e suite runs the same paths on real Rasa."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.exc import OperationalError

from bot.server import create_app
from bot.shared.rasa_client import RasaUnavailable
from bot.shared.unavailable import DatabaseUnavailable
from bot.web.app import GATEWAY, RASA
from bot.web.errors import (
    ENGLISH,
    LEICHT,
    NO_ANSWER,
    NOT_DELETED,
    TOO_LONG,
    UNAVAILABLE,
)
from core.protocol import AFFIRM_PAYLOAD, DELETED_MARKER, FORGET_PAYLOADS

OFFER = {
    "text": "Möchten Sie sie als Vorschlag einreichen?",
    "buttons": [
        {"title": "Ja, einreichen", "payload": "/affirm"},
        {"title": "Nein, danke", "payload": "/deny"},
    ],
}
DELETED = [
    {"text": "Erledigt. Gelöscht ist alles."},
    {"custom": {DELETED_MARKER: True}},
]


class FakeRasa:
    """Answers each text from a script; records what reached it."""

    def __init__(self) -> None:
        self.script: dict[str, list[dict]] = {}
        self.received: list[str] = []
        self.away = False

    async def send(self, sender, text, *, input_channel, metadata=None, **_):
        if self.away:
            raise RasaUnavailable("connection refused")
        self.received.append(text)
        return [
            {"recipient_id": sender, **reply} for reply in self.script.get(text, [])
        ]

    async def parse(self, text):
        return {"intent": {"name": "faq", "confidence": 0.99}}

    async def is_paused(self, sender):
        return False


@pytest.fixture
async def api(aiohttp_client, web_settings, monkeypatch):
    app = create_app(web_settings)
    fake = FakeRasa()
    for name in ("send", "parse", "is_paused"):
        monkeypatch.setattr(app[RASA], name, getattr(fake, name))
    client = await aiohttp_client(app)
    client.rasa, client.conversation = fake, uuid.uuid4().hex
    return client


async def chat(api, message: str, status: int = 200) -> dict:
    response = await api.post(
        "/api/chat", json={"session": api.conversation, "message": message}
    )
    assert response.status == status, await response.text()
    return await response.json()


async def test_rasa_s_text_and_buttons_reach_the_widget_and_custom_data_does_not(api):
    api.rasa.script["Ich habe eine Idee"] = [OFFER, {"custom": {"internal": 1}}]
    answer = await chat(api, "Ich habe eine Idee")
    assert answer == {"messages": [OFFER], "live": False}


@pytest.mark.parametrize("typed", ["Ja, einreichen", "ja einreichen!", "JA EINREICHEN"])
async def test_a_typed_button_label_sends_the_button_s_payload(api, typed):
    api.rasa.script["Ich habe eine Idee"] = [OFFER]
    await chat(api, "Ich habe eine Idee")
    await chat(api, typed)
    assert api.rasa.received[-1] == "/affirm"


async def test_a_label_of_an_older_reply_is_just_words(api):
    api.rasa.script["Ich habe eine Idee"] = [OFFER]
    await chat(api, "Ich habe eine Idee")
    await chat(api, "Was ist die Mitmachplattform?")
    await chat(api, "Ja, einreichen")
    assert api.rasa.received[-1] == "Ja, einreichen"


async def test_a_turn_that_deleted_the_data_says_forgotten(api):
    api.rasa.script["Ja, alles löschen"] = DELETED
    answer = await chat(api, "Ja, alles löschen")
    assert answer["forgotten"] is True
    assert answer["messages"] == [{"text": DELETED[0]["text"], "buttons": []}]
    api.rasa.script["Hallo"] = [{"text": "Guten Tag!"}]
    assert "forgotten" not in await chat(api, "Hallo")


async def test_silence_from_rasa_gets_a_german_no_answer(api):
    answer = await chat(api, "Hm")
    assert answer["messages"] == [{"text": NO_ANSWER, "buttons": []}]


async def test_rasa_away_is_a_german_503(api):
    api.rasa.away = True
    assert (await chat(api, "Hallo", status=503))["error"] == UNAVAILABLE


@pytest.mark.parametrize(("sprache", "texts"), [("leicht", LEICHT), ("en", ENGLISH)])
async def test_a_widget_in_leichter_sprache_or_english_gets_its_errors_so(
    api, sprache, texts
):
    """The widget adds ?sprache=leicht or =en: Rasa, which knows the
    language, may be away."""
    leicht = f"/api/chat?sprache={sprache}"
    api.rasa.away = True
    response = await api.post(
        leicht, json={"session": api.conversation, "message": "Hallo"}
    )
    assert response.status == 503
    assert (await response.json())["error"] == texts[UNAVAILABLE]
    response = await api.post(
        leicht, json={"session": api.conversation, "message": "x" * 2001}
    )
    assert (await response.json())["error"] == texts[TOO_LONG]
    api.rasa.away = False
    response = await api.post(
        leicht, json={"session": api.conversation, "message": "Hm"}
    )
    assert (await response.json())["messages"][0]["text"] == texts[NO_ANSWER]
    # Any other value is standard German.
    response = await api.post(
        "/api/chat?sprache=klingonisch",
        json={"session": api.conversation, "message": "x" * 2001},
    )
    assert (await response.json())["error"] == TOO_LONG


async def test_too_long_and_blank_messages_are_refused_before_rasa(api):
    assert (await chat(api, "x" * 2001, status=400))["error"] == TOO_LONG
    await chat(api, "\u200b \n", status=400)
    assert api.rasa.received == []


@pytest.mark.parametrize("scope", ["all", "conversation"])
async def test_forget_succeeds_only_when_the_deletion_says_it_committed(api, scope):
    body = {"session": api.conversation, "scope": scope}
    refused = await api.post("/api/forget", json=body)
    assert refused.status == 503
    assert (await refused.json())["error"] == NOT_DELETED

    api.rasa.script[AFFIRM_PAYLOAD] = DELETED
    done = await api.post("/api/forget", json=body)
    assert done.status == 200
    assert api.rasa.received[-2:] == [FORGET_PAYLOADS[scope], AFFIRM_PAYLOAD]


async def test_a_database_that_is_away_is_named_as_such_and_rasa_is_not_asked(
    api, monkeypatch
):
    async def away(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    gateway = api.app[GATEWAY]
    monkeypatch.setattr(gateway.db, "run", away)
    with pytest.raises(DatabaseUnavailable):
        await gateway.is_live("someone")
    answer = await chat(api, "Wann ist der nächste Termin?", status=503)
    assert answer["error"] == UNAVAILABLE
    assert api.rasa.received == []


@pytest.mark.parametrize("mode", ["leicht", "standard"])
async def test_a_change_of_language_is_told_to_the_widget_and_not_shown(api, mode):
    switched = {"text": "Gern. Ab jetzt schreibe ich in Leichter Sprache."}
    api.rasa.script["Bitte in Leichter Sprache"] = [
        switched,
        {"custom": {"smartcity_language": mode}},
    ]
    answer = await chat(api, "Bitte in Leichter Sprache")
    assert answer["language"] == mode
    assert answer["messages"] == [{**switched, "buttons": []}]
    api.rasa.script["Hallo"] = [{"text": "Hallo!"}]
    assert "language" not in await chat(api, "Hallo")
