"""Issue 30.10: what the Telegram bridge hands to Rasa, and what it keeps from
a group: a recording gateway instead of Rasa, the loopback Bot API for Telegram."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from telegram import Update
from telegram.ext import ExtBot

from bot.shared.gateway import Turn
from bot.shared.rasa_client import RasaUnavailable
from bot.telegram import texts
from bot.telegram.bridge import Bridge
from core.places import DECIMALS
from core.protocol import (
    ENGLISH,
    LANGUAGE_MARKER,
    LEICHTE_SPRACHE,
    STANDARD_SPRACHE,
    intent_payload,
)
from core.settings import Settings
from tests.bot.telegram.bot_api import BOT_USER, TOKEN, FakeBotApi

PRIVATE, GROUP, ERIKA = 4242, -4343, 71
HANDOFF = "Ich verbinde Sie mit einer Person aus dem Team."


class RecordingGateway:
    """Says what Rasa would; `live` as when action_request_human handed off."""

    def __init__(self, settings: Settings, *, live: bool = False) -> None:
        self.settings = settings
        self.live = live
        self.turns: list[tuple[str, str]] = []
        self.ended: list[str] = []

    async def turn(self, sender, text, *, channel, metadata) -> Turn:
        self.turns.append((sender, text))
        replies = [{"recipient_id": sender, "text": HANDOFF if self.live else "Danke!"}]
        return Turn(replies, self.live)

    async def is_live(self, sender: str) -> bool:
        return self.live

    async def back_to_assistant(self, sender: str) -> None:
        self.ended.append(sender)
        self.live = False


@pytest.fixture
async def bot(bot_api):
    bot = ExtBot(TOKEN, base_url=bot_api.base_url)
    async with bot:
        yield bot


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.from_env({"SMARTCITY_VAR_DIR": str(tmp_path / "var")})


def update(bot, bot_api, chat: int, **message) -> Update:
    return Update.de_json(
        {"update_id": 1, "message": bot_api.message(chat, user_id=ERIKA, **message)},
        bot,
    )


def said(bot_api, chat: int) -> list[str]:
    return [call.text for call in bot_api.sent("sendMessage", chat)]


async def test_a_shared_location_reaches_rasa_rounded_like_the_widget(
    bot, bot_api, settings
):
    """The widget rounds to four decimals (about 11 m) before anything leaves
    the browser; Telegram's full precision went into Rasa's tracker."""
    gateway = RecordingGateway(settings)
    shared = {"latitude": 49.444312345, "longitude": 7.768923456}
    await Bridge(gateway).on_location(
        update(bot, bot_api, PRIVATE, location=shared), SimpleNamespace(bot=bot)
    )
    [(_, text)] = gateway.turns
    assert text == intent_payload("share_location", latitude=49.4443, longitude=7.7689)
    assert DECIMALS == 4  # the widget's Math.round(x * 1e4) / 1e4


def pressed(bot, chat: int, payload: str) -> Update:
    """A press on a button of our last message (callback data = payload)."""
    keyboard = {"inline_keyboard": [[{"text": "Ja", "callback_data": payload}]]}
    message = {"message_id": 9, "date": 0, "chat": FakeBotApi.chat(chat),
               "from": BOT_USER, "text": "Gerade ist niemand da.",
               "reply_markup": keyboard}  # fmt: skip
    query = {"id": "cq-1", "from": FakeBotApi.user(ERIKA), "chat_instance": "ci",
             "message": message, "data": payload}  # fmt: skip
    return Update.de_json({"update_id": 2, "callback_query": query}, bot)


@pytest.mark.parametrize(
    "asked", ["/mensch@{bot}", "/request_human", '/leave_message{"x": 1}']
)
async def test_in_a_group_the_team_is_offered_only_in_a_private_chat(
    bot, bot_api, settings, asked
):
    """A staff reply goes to the chat the conversation is in: in a group,
    everyone would read it. The command and the buttons do not reach Rasa."""
    gateway = RecordingGateway(settings)
    bridge = Bridge(gateway)
    context = SimpleNamespace(bot=bot, args=[])
    if asked.startswith("/mensch"):
        text = asked.format(bot=BOT_USER["username"])
        await bridge.on_command(update(bot, bot_api, GROUP, text=text), context)
    else:
        await bridge.on_button(pressed(bot, GROUP, asked), context)
    assert gateway.turns == []
    assert said(bot_api, GROUP) == [
        texts.TEAM_ONLY_IN_PRIVATE.format(bot=BOT_USER["username"])
    ]


async def test_a_live_chat_begun_in_a_group_ends_at_once(bot, bot_api, settings):
    """Typed words ("Ich möchte mit einem Menschen sprechen") reach Rasa; if a
    person took over there, the bridge gives the conversation back."""
    gateway = RecordingGateway(settings, live=True)
    mention = f"@{BOT_USER['username']} Ich möchte mit einem Menschen sprechen"
    await Bridge(gateway).on_text(
        update(bot, bot_api, GROUP, text=mention), SimpleNamespace(bot=bot)
    )
    assert gateway.ended == [f"telegram:{GROUP}:{ERIKA}"]
    shown = said(bot_api, GROUP)
    assert shown == [texts.TEAM_ONLY_IN_PRIVATE.format(bot=BOT_USER["username"])]
    assert not any(HANDOFF in text for text in shown)


async def test_in_a_private_chat_the_team_is_there(bot, bot_api, settings):
    gateway = RecordingGateway(settings, live=True)
    await Bridge(gateway).on_command(
        update(bot, bot_api, PRIVATE, text="/mensch"), SimpleNamespace(bot=bot, args=[])
    )
    assert gateway.turns == [(f"telegram:{PRIVATE}", "/request_human")]
    assert gateway.ended == [] and said(bot_api, PRIVATE) == [HANDOFF]


class SwitchingGateway(RecordingGateway):
    """Rasa switches to Leichte Sprache on /leicht, then goes away."""

    away = False

    async def turn(self, sender, text, *, channel, metadata) -> Turn:
        if self.away:
            raise RasaUnavailable("down")
        self.turns.append((sender, text))
        mode = {"/rephrase": LEICHTE_SPRACHE, "/english": ENGLISH}.get(
            text, STANDARD_SPRACHE
        )
        marker = {"recipient_id": sender, "custom": {LANGUAGE_MARKER: mode}}
        return Turn([{"recipient_id": sender, "text": "Gut."}, marker], False)


async def test_the_bridge_s_own_texts_follow_the_chat_s_language(
    bot, bot_api, settings
):
    """While Rasa is away, only the bridge can say so: in Leichter Sprache
    for a chat that switched to it, and in standard German again after /normal."""
    gateway = SwitchingGateway(settings)
    bridge, context = Bridge(gateway), SimpleNamespace(bot=bot, args=[])
    await bridge.on_command(update(bot, bot_api, PRIVATE, text="/leicht"), context)
    gateway.away = True
    await bridge.on_text(update(bot, bot_api, PRIVATE, text="Termine?"), context)
    await bridge.on_unknown_command(update(bot, bot_api, PRIVATE, text="/x"), context)
    assert said(bot_api, PRIVATE)[-2:] == [
        texts.LEICHT[texts.UNAVAILABLE],
        texts.LEICHT[texts.UNKNOWN_COMMAND],
    ]
    gateway.away = False
    await bridge.on_command(update(bot, bot_api, PRIVATE, text="/normal"), context)
    gateway.away = True
    await bridge.on_text(update(bot, bot_api, PRIVATE, text="Termine?"), context)
    assert said(bot_api, PRIVATE)[-1] == texts.UNAVAILABLE
    # Another chat never switched.
    await bridge.on_text(update(bot, bot_api, PRIVATE + 1, text="Hallo"), context)
    assert said(bot_api, PRIVATE + 1) == [texts.UNAVAILABLE]


async def test_english_by_command_and_the_bridge_s_own_texts_in_english(
    bot, bot_api, settings
):
    """Issue 34: /english switches; /deutsch switches back."""
    gateway = SwitchingGateway(settings)
    bridge, context = Bridge(gateway), SimpleNamespace(bot=bot, args=[])
    await bridge.on_command(update(bot, bot_api, PRIVATE, text="/english"), context)
    assert gateway.turns[-1] == (f"telegram:{PRIVATE}", "/english")
    gateway.away = True
    await bridge.on_text(update(bot, bot_api, PRIVATE, text="Events?"), context)
    assert said(bot_api, PRIVATE)[-1] == texts.ENGLISH_TEXTS[texts.UNAVAILABLE]
    gateway.away = False
    await bridge.on_command(update(bot, bot_api, PRIVATE, text="/deutsch"), context)
    assert gateway.turns[-1] == (f"telegram:{PRIVATE}", "/standard_sprache")
    gateway.away = True
    await bridge.on_text(update(bot, bot_api, PRIVATE, text="Termine?"), context)
    assert said(bot_api, PRIVATE)[-1] == texts.UNAVAILABLE


@pytest.mark.parametrize(("code", "sent"), [("en", "/english"), ("en-US", "/english"),
                                            ("de", "/greet"), ("fr", "/greet")])  # fmt: skip
async def test_start_follows_the_app_language(bot, bot_api, settings, code, sent):
    gateway = RecordingGateway(settings)
    start = update(bot, bot_api, PRIVATE, text="/start", language_code=code)
    await Bridge(gateway).on_command(start, SimpleNamespace(bot=bot, args=[]))
    assert gateway.turns == [(f"telegram:{PRIVATE}", sent)]


def test_every_bridge_text_and_command_has_english():
    german = [v for k, v in vars(texts).items() if k.isupper() and isinstance(v, str)]
    missing = [t for t in german if t.count(" ") > 2 and t not in texts.ENGLISH_TEXTS]
    assert missing == []
    menu = {c.name for c in texts.COMMANDS if c.description}
    assert menu <= set(texts.ENGLISH_DESCRIPTIONS)
