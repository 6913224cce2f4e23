"""Issue 36.3 end to end: a suggestion handed in over the widget's API goes
to Telegram by its one-time link, `/start <token>` on the loopback Bot API.
Its news then reach the Telegram chat, also one the widget had not shown
yet, and no longer the widget. A used or an expired link is explained."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import sqlite3
from datetime import datetime, timedelta, timezone

import aiohttp

from tests.bot.telegram.bot_api import BOT_USER
from tests.e2e.chat import REFERENCE, WebCitizen
from tests.e2e.live import logged_in, staff_session

IDEA = "Eine Trinkwasserstelle am Spielplatz im Volkspark aufstellen"
LINK = re.compile(rf"https://t\.me/{BOT_USER['username']}\?start=([A-Za-z0-9_-]+)")
BUTTON = "Auf Telegram weiterverfolgen"
TAKEN = "Sie bekommen Neuigkeiten zu Ihrem Vorschlag {} jetzt hier auf Telegram."
INVALID = "Dieser Link ist abgelaufen oder wurde schon benutzt."
WELCOME = "Computerprogramm, kein Mensch"
chat_ids = itertools.count(36_301)


async def handed_in(citizen: WebCitizen, idea: str = IDEA) -> str:
    """The suggestion form with news in the chat; its reference."""
    assert "Beschreiben Sie Ihre Idee" in await citizen.say(
        "Ich möchte einen Vorschlag machen"
    )
    assert "Zu welchem Thema" in await citizen.say(idea)
    assert "Ort oder Stadtteil" in await citizen.press("Mobilität")
    assert "erfahren, was aus Ihrem Vorschlag wird" in await citizen.press(
        "Überspringen"
    )
    assert "öffentlich zeigen" in await citizen.press("Ja, hier im Chat")
    assert "Bitte prüfen Sie Ihren Vorschlag" in await citizen.press("Nein")
    saved = await citizen.press("Absenden")
    assert "Ihr Vorschlag ist gespeichert" in saved, saved
    assert BUTTON in citizen.buttons
    return REFERENCE.search(saved).group(0)


async def start(bot_api, chat: int, token: str) -> str:
    """`/start <token>` as Telegram sends it after "Starten"; the replies."""
    before = len(bot_api.sent("sendMessage", chat))
    bot_api.send_text(chat, f"/start {token}")
    calls = await asyncio.to_thread(bot_api.reply_after, chat, before)
    return "\n".join(call.text for call in calls)


async def message_with(bot_api, chat: int, *parts: str, seconds: int = 30) -> str:
    """The bot's message to `chat` that holds every part, once it is sent."""
    for _ in range(seconds * 10):
        for call in bot_api.sent("sendMessage", chat):
            if all(part in call.text for part in parts):
                return call.text
        await asyncio.sleep(0.1)
    raise AssertionError(f"no message with {parts} in {seconds} s")


def expire(assistant, token: str) -> None:
    """As if the link had waited past its time."""
    past = datetime.now(timezone.utc) - timedelta(minutes=1)
    with sqlite3.connect(assistant.database_url.removeprefix("sqlite:///")) as db:
        changed = db.execute(
            "UPDATE telegram_links SET expires_at = ? WHERE token_hash = ?",
            (
                f"{past:%Y-%m-%d %H:%M:%S.%f}",
                hashlib.sha256(token.encode()).hexdigest(),
            ),
        ).rowcount
    assert changed == 1


async def test_the_news_follow_the_suggestion_to_telegram(assistant, bot_api):
    chat = next(chat_ids)
    async with aiohttp.ClientSession() as http:
        citizen = WebCitizen(http, assistant.web_url)
        reference = await handed_in(citizen)
        async with staff_session() as staff_http:
            staff = await logged_in(assistant, staff_http, "link-anna")
            path = f"/suggestions/{reference}/status"
            await staff.post(path, status="in_pruefung", public_note="Wir prüfen.")
            # Queued for the widget, which has not asked for it yet.
            linked = await citizen.press(BUTTON)
            token = LINK.search(linked).group(1)
            assert f"Vorschlag {reference}" in linked and "nur einmal" in linked

            said = await start(bot_api, chat, token)
            assert TAKEN.format(reference) in said and WELCOME in said
            await message_with(bot_api, chat, reference, "„in Prüfung“", "Wir prüfen.")

            await staff.post(path, status="angenommen", public_note="Wir bauen sie.")
            await message_with(bot_api, chat, reference, "„angenommen“")
        assert await citizen.news() == []

        # The chat now owns it: its status with the idea, and the widget's
        # answer is anyone's.
        before = len(bot_api.sent("sendMessage", chat))
        bot_api.send_text(chat, f"Was ist aus {reference} geworden?")
        status = await asyncio.to_thread(bot_api.reply_after, chat, before)
        assert IDEA[:40] in "\n".join(c.text for c in status)
        assert IDEA[:40] not in await citizen.say(f"Wie ist der Stand von {reference}?")

        # The same link once more, from another chat: spent.
        other = next(chat_ids)
        again = await start(bot_api, other, token)
        assert INVALID in again and WELCOME in again


async def test_a_typed_request_and_an_expired_link(assistant, bot_api):
    chat = next(chat_ids)
    async with aiohttp.ClientSession() as http:
        citizen = WebCitizen(http, assistant.web_url)
        reference = await handed_in(citizen, f"{IDEA} und am Stadtpark")
        linked = await citizen.say("Auf Telegram weiterverfolgen")
        token = LINK.search(linked).group(1)
        assert reference in linked
    expire(assistant, token)
    said = await start(bot_api, chat, token)
    assert INVALID in said and "Fordern Sie im Web-Chat einen neuen an." in said
    assert WELCOME in said
    with sqlite3.connect(assistant.database_url.removeprefix("sqlite:///")) as db:
        ((channel, reply_to),) = db.execute(
            "SELECT channel, reply_to FROM suggestions WHERE reference = ?",
            (reference,),
        ).fetchall()
    assert channel == "web" and reply_to.startswith("web:")
