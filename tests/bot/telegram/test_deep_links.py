"""Issue 36.3: `/start <token>` from the web chat's link carries the
suggestion to this chat; a used, expired or unknown link is explained, and
the chat is greeted either way. Rasa is a recording gateway here, Telegram
the loopback Bot API, the database real."""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from telegram import Update
from telegram.ext import ExtBot

from actions.db import suggestions as store
from actions.db import telegram_links
from actions.db.models import utcnow
from actions.db.session import Database
from bot.shared.gateway import Turn
from bot.telegram.bridge import Bridge
from core.secret_key import sender_key
from core.settings import Settings
from tests.bot.telegram.bot_api import TOKEN

PRIVATE, GROUP, ERIKA = 4242, -4343, 71
WEB_KEY = "w" * 64
TAKEN = "Sie bekommen Neuigkeiten zu Ihrem Vorschlag {} jetzt hier auf Telegram."
INVALID = "Dieser Link ist abgelaufen oder wurde schon benutzt."


class Gateway:
    """Greets as Rasa would, and holds the real database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.turns: list[tuple[str, str]] = []

    async def turn(self, sender, text, *, channel, metadata) -> Turn:
        self.turns.append((sender, text))
        return Turn([{"recipient_id": sender, "text": "Hallo!"}], False)


@pytest.fixture
async def bot(bot_api):
    bot = ExtBot(TOKEN, base_url=bot_api.base_url)
    async with bot:
        yield bot


@pytest.fixture
def gateway(database_url, tmp_path) -> Gateway:
    return Gateway(
        Settings.from_env(
            {"DATABASE_URL": database_url, "SMARTCITY_VAR_DIR": str(tmp_path / "var")}
        )
    )


async def web_link(gateway, *, language=None, lifetime=timedelta(minutes=30)):
    """A suggestion handed in on the web, and a link for it: (reference, token)."""

    def work(session):
        new = store.NewSuggestion(
            form_run_id=uuid.uuid4().hex, channel="web", sender_key=WEB_KEY,
            text="Mehr Schatten auf dem Spielplatz am Volkspark", topic="Umwelt",
            reply_to="web:" + "a" * 32, language=language,
        )  # fmt: skip
        made = store.create(session, new, daily_limit=10)[0]
        token = telegram_links.issue(session, made, sender_key=WEB_KEY, now=utcnow(),
                                     lifetime=lifetime, per_day=10)  # fmt: skip
        return made.reference, token

    return await gateway.db.run(work)


async def start(bot, bot_api, gateway, chat: int, token: str, language="de"):
    text = f"/start {token}"
    message = bot_api.message(chat, text, user_id=ERIKA, language_code=language)
    update = Update.de_json({"update_id": 1, "message": message}, bot)
    await Bridge(gateway).on_command(update, SimpleNamespace(bot=bot, args=[token]))
    return [call.text for call in bot_api.sent("sendMessage", chat)]


async def owner(gateway, reference: str) -> tuple[str, str | None, str]:
    def work(session):
        found = store.by_reference(session, reference)
        return found.channel, found.reply_to, found.sender_key

    return await gateway.db.run(work)


async def test_the_link_carries_the_suggestion_here_once(bot, bot_api, gateway):
    reference, token = await web_link(gateway)
    said = await start(bot, bot_api, gateway, PRIVATE, token)
    assert said[0].startswith(TAKEN.format(reference)) and said[1] == "Hallo!"
    chat = f"telegram:{PRIVATE}"
    assert gateway.turns == [(chat, "/greet")]
    assert await owner(gateway, reference) == (
        "telegram", chat, sender_key(chat, gateway.settings))  # fmt: skip

    again = await start(bot, bot_api, gateway, PRIVATE, token)
    assert again[2].startswith(INVALID) and again[3] == "Hallo!"


async def test_an_expired_or_unknown_link_is_explained_and_greeted(
    bot, bot_api, gateway
):
    reference, token = await web_link(gateway, lifetime=timedelta(seconds=-1))
    said = await start(bot, bot_api, gateway, PRIVATE, token)
    assert said[0].startswith(INVALID) and "neuen an" in said[0]
    assert said[1] == "Hallo!"
    assert (await owner(gateway, reference))[0] == "web"
    english = await start(bot, bot_api, gateway, PRIVATE + 1, "x" * 43, "en")
    assert english[0].startswith("This link has expired or has already been used.")
    assert gateway.turns[-1] == (f"telegram:{PRIVATE + 1}", "/english")


async def test_the_chat_goes_on_in_the_web_chat_s_language(bot, bot_api, gateway):
    reference, token = await web_link(gateway, language="en")
    said = await start(bot, bot_api, gateway, PRIVATE, token)
    assert f"updates on your suggestion {reference} here on Telegram" in said[0]
    assert gateway.turns == [(f"telegram:{PRIVATE}", "/english")]


async def test_in_a_group_a_link_is_only_a_greeting(bot, bot_api, gateway):
    """News there would reach every member."""
    reference, token = await web_link(gateway)
    said = await start(bot, bot_api, gateway, GROUP, token)
    assert said == ["Hallo!"]
    assert (await owner(gateway, reference))[0] == "web"
    assert await start(bot, bot_api, gateway, PRIVATE, token)  # still unused


async def test_without_the_database_the_link_keeps_working(
    bot, bot_api, gateway, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    reference, token = await web_link(gateway)

    async def away(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("down"))

    monkeypatch.setattr(gateway.db, "run", away)
    said = await start(bot, bot_api, gateway, PRIVATE, token)
    assert said == [
        "Ich bin gerade nicht erreichbar. Bitte versuchen Sie es in ein paar "
        "Minuten noch einmal."
    ]
    assert gateway.turns == []
    monkeypatch.undo()
    assert (await owner(gateway, reference))[0] == "web"
