"""A citizen's turn while a person from the team may have the conversation.

Both channels send every message through `LiveChat.turn`. Without an open
live chat it is an ordinary turn with Rasa. With one, Rasa has paused the
conversation: the message still goes to Rasa, so it lands in the tracker
(the staff app reads it from there), and no bot answer comes back. "Zurück
zum Assistenten" ends the live chat and resumes Rasa through its HTTP API.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from actions.db import live
from actions.db.session import run_in_transaction
from bot.formatting import LIVE_CHAT_MARKER
from bot.settings import Settings
from bot.shared.rasa_client import RasaClient, RasaMessage, RasaUnavailable

logger = logging.getLogger(__name__)

# Set by bot.server: delivers the outbox now (Telegram), after a staff reply.
OUTBOX_WAKE = web.AppKey("outbox_wake", Callable[[], None])


class Wakeup:
    """Wakes every waiting live stream of this process at once after a staff
    reply; a stream on another host finds the reply with its next poll."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def wake(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._event.wait(), seconds)


# Set by bot.web.app: wakes the widget's /api/live streams.
LIVE_WAKE = web.AppKey("live_wake", Wakeup)


def wake_deliveries(request: web.Request) -> None:
    """A staff reply is in the outbox: deliver it now on every channel."""
    outbox = request.config_dict.get(OUTBOX_WAKE)
    if outbox is not None:
        outbox()
    streams = request.config_dict.get(LIVE_WAKE)
    if streams is not None:
        streams.wake()


BACK_TO_ASSISTANT = re.compile(
    r"^\W*(?:(?:bitte\s+)?(?:zurück|zurueck)\s+(?:zum|zu\s+dem|zur)\s+"
    r"(?:assistenten?|bot|chatbot|assistentin)|/?assistent|live-?chat\s+beenden|"
    r"chat\s+mit\s+(?:dem\s+)?team\s+beenden)(?:\s+bitte)?\W*$",
    re.IGNORECASE,
)
# Payloads that must reach the assistant itself, even during a live chat.
ASSISTANT_PAYLOADS = ("/request_data_deletion", "/restart")
BACK_TEXT = (
    "Sie schreiben jetzt wieder mit dem digitalen Assistenten. Das Team liest "
    "nicht mehr mit. Wie kann ich Ihnen helfen?"
)
STAFF_ENDED_TEXT = (
    "Das Team hat den Live-Chat beendet. Sie schreiben jetzt wieder mit dem "
    "digitalen Assistenten. Vielen Dank!"
)


def wants_assistant(text: str) -> bool:
    return bool(BACK_TO_ASSISTANT.match(unicodedata.normalize("NFC", text).strip()))


def started_live_chat(replies: list[RasaMessage]) -> bool:
    return any(
        isinstance(r.get("custom"), dict) and r["custom"].get(LIVE_CHAT_MARKER)
        for r in replies
    )


@dataclass(frozen=True)
class Turn:
    replies: list[RasaMessage]
    live: bool  # a person from the team has the conversation now


class LiveChat:
    def __init__(self, settings: Settings, rasa: RasaClient) -> None:
        self.settings = settings
        self.rasa = rasa

    async def _db(self, work):
        return await run_in_transaction(self.settings.database_url, work)

    async def is_open(self, sender: str) -> bool:
        try:
            chat = await self._db(lambda s: live.open_for(s, sender))
        except SQLAlchemyError:
            raise RasaUnavailable("the live chat state cannot be read") from None
        return chat is not None

    async def turn(
        self, sender: str, text: str, *, channel: str, metadata: dict[str, Any]
    ) -> Turn:
        """One message of the citizen; RasaUnavailable when it was not handled."""
        if not await self.is_open(sender):
            if wants_assistant(text):
                text = "/help"  # already with the assistant: show what it can do
            replies = await self.rasa.send(
                sender, text, input_channel=channel, metadata=metadata
            )
            if not replies and await self.rasa.is_paused(sender):
                # A live chat ended while Rasa could not be told: tell it now.
                await self.rasa.resume(sender)
                replies = await self.rasa.send(
                    sender, text, input_channel=channel, metadata=metadata
                )
            return Turn(replies, started_live_chat(replies))
        if wants_assistant(text):
            await self.back_to_assistant(sender)
            return Turn([{"recipient_id": sender, "text": BACK_TEXT}], False)
        if text.split("{")[0].strip() in ASSISTANT_PAYLOADS:
            await self.back_to_assistant(sender)
            replies = await self.rasa.send(
                sender, text, input_channel=channel, metadata=metadata
            )
            return Turn(replies, False)
        # Paused: Rasa logs the message and says nothing; the team reads it.
        await self.rasa.send(
            sender, text, input_channel=channel, metadata=metadata, expect_reply=False
        )
        now = self.settings.now()
        try:
            await self._db(lambda s: _touch_open(s, sender, now))
        except SQLAlchemyError:
            logger.warning("live chat: could not move the chat up in the queue")
        return Turn([], True)

    async def back_to_assistant(self, sender: str) -> None:
        """The citizen ends the live chat; Rasa takes over again."""
        now = self.settings.now()
        try:
            await self._db(lambda s: live.end_for_sender(s, sender, now=now))
        except SQLAlchemyError:
            raise RasaUnavailable("the live chat cannot be ended") from None
        await self.rasa.resume(sender)


def _touch_open(session, sender: str, now) -> None:
    chat = live.open_for(session, sender)
    if chat is not None:
        live.touch(session, chat.id, now=now)
