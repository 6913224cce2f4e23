"""The one path of a citizen's message to Rasa, for every channel.

Both the widget's API and the Telegram bridge send every message through
`ConversationGateway.turn`:

- a typed button label of the last reply becomes that button's payload, so a
  citizen who types gets the same conversation as one who taps;
- the message right after a team message is offered as the answer to it
  (bot.shared.team_answers);
- during a live chat with the team, Rasa has paused the conversation: the
  message still goes to Rasa, so it lands in the tracker (the staff app reads
  it from there), and no bot answer comes back. "Zurück zum Assistenten"
  ends the live chat and resumes Rasa through its HTTP API.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from actions.db import live
from actions.db.session import Database
from bot.shared.button_labels import (
    Button,
    ButtonMemory,
    LocalButtonMemory,
    offered_buttons,
    pressed,
)
from bot.shared.live_chat import (
    ASSISTANT_PAYLOADS,
    BACK_TEXT,
    in_language,
    started_live_chat,
    wants_assistant,
)
from bot.shared.rasa_client import RasaClient, RasaMessage
from bot.shared.team_answers import TeamAnswers, team_payload
from bot.shared.unavailable import DatabaseUnavailable, Unavailable
from core.protocol import LANGUAGE_MARKER, LANGUAGES
from core.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    replies: list[RasaMessage]
    live: bool  # a person from the team has the conversation now

    @property
    def language(self) -> str | None:
        """The language mode the turn switched to (core.protocol.LANGUAGE_MARKER)."""
        for reply in self.replies:
            custom = reply.get("custom")
            mode = custom.get(LANGUAGE_MARKER) if isinstance(custom, dict) else None
            if mode in LANGUAGES:
                return mode
        return None


class ConversationGateway:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        rasa: RasaClient,
        buttons: ButtonMemory | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.rasa = rasa
        self.buttons = buttons or LocalButtonMemory()
        self.team = TeamAnswers(settings, db, rasa)

    async def is_live(self, sender: str) -> bool:
        try:
            chat = await self.db.run(lambda s: live.open_for(s, sender))
        except SQLAlchemyError:
            raise DatabaseUnavailable("the live chat state cannot be read") from None
        return chat is not None

    async def turn(
        self, sender: str, text: str, *, channel: str, metadata: dict[str, Any]
    ) -> Turn:
        """One message of the citizen; Unavailable when it was not handled."""
        began = time.perf_counter()
        try:
            turn = await self._turn(sender, text, channel, metadata)
        except Unavailable as error:
            # The kind only: an error's text may quote a URL with the sender.
            logger.warning(
                "message not handled (%s): %s", channel, type(error).__name__
            )
            raise
        # One line per message, for the operator; what was said stays out.
        logger.info(
            "message handled (%s): %d replies%s in %.0f ms",
            channel,
            len(turn.replies),
            ", live chat" if turn.live else "",
            (time.perf_counter() - began) * 1000,
        )
        return turn

    async def _turn(
        self, sender: str, text: str, channel: str, metadata: dict[str, Any]
    ) -> Turn:
        if await self.is_live(sender):
            await self._offer(sender, [])
            return await self._live_turn(sender, text, channel, metadata)
        if wants_assistant(text):
            text = "/help"  # already with the assistant: show what it can do
        elif not text.startswith("/"):
            read = await self._typed(sender, text, channel)
            if isinstance(read, Turn):
                return read
            if read is not None:
                metadata = {**metadata, "typed_label": text}
                text = read
        if choice := team_payload(text):
            said, held = await self.team.answer(sender, *choice)
            if held is None:
                await self._offer(sender, offered_buttons(said))
                return Turn(said, False)
            text = held  # not for the team: the assistant answers it
        replies = await self.rasa.send(
            sender, text, input_channel=channel, metadata=metadata
        )
        if not replies and await self.rasa.is_paused(sender):
            # A live chat ended while Rasa could not be told: tell it now.
            await self.rasa.resume(sender)
            replies = await self.rasa.send(
                sender, text, input_channel=channel, metadata=metadata
            )
        await self._offer(sender, offered_buttons(replies))
        return Turn(replies, started_live_chat(replies))

    async def _typed(self, sender: str, text: str, channel: str) -> str | Turn | None:
        """What typed words mean here: the payload of a button of the last
        reply they name, our own question when they may answer the team, or
        None (words for the assistant)."""
        offered = await self._offered(sender)
        button = pressed(text, offered)
        if button is not None:
            return button.payload
        payloads = [b.payload for b in offered]
        if choice := await self.team.typed_choice(text, payloads):
            return choice
        if asked := await self.team.offer(sender, text, channel):
            await self._offer(sender, offered_buttons(asked))
            return Turn(asked, False)
        return None

    async def _live_turn(
        self, sender: str, text: str, channel: str, metadata: dict[str, Any]
    ) -> Turn:
        if wants_assistant(text):
            language = await self.back_to_assistant(sender)
            back = in_language(BACK_TEXT, language)
            return Turn([{"recipient_id": sender, "text": back}], False)
        if text.split("{")[0].strip() in ASSISTANT_PAYLOADS:
            await self.back_to_assistant(sender)
            replies = await self.rasa.send(
                sender, text, input_channel=channel, metadata=metadata
            )
            await self._offer(sender, offered_buttons(replies))
            return Turn(replies, False)
        # Paused: Rasa logs the message and says nothing; the team reads it.
        await self.rasa.send(
            sender, text, input_channel=channel, metadata=metadata, expect_reply=False
        )
        now = self.settings.now()
        try:
            await self.db.run(lambda s: _touch_open(s, sender, now))
        except SQLAlchemyError:
            logger.warning("live chat: could not move the chat up in the queue")
        return Turn([], True)

    async def back_to_assistant(self, sender: str) -> str | None:
        """The citizen ends the live chat; Rasa takes over again. Returns the
        chat's language ("en"), to say so in it."""

        def end(session) -> str | None:
            chat = live.end_for_sender(session, sender, now=now)
            return chat.language if chat else None

        now = self.settings.now()
        try:
            language = await self.db.run(end)
        except SQLAlchemyError:
            raise DatabaseUnavailable("the live chat cannot be ended") from None
        await self.rasa.resume(sender)
        return language

    async def _offered(self, sender: str) -> list[Button]:
        try:
            return await self.buttons.recall(sender)
        except RedisError as error:
            logger.warning("offered buttons unavailable (%s)", type(error).__name__)
            return []

    async def _offer(self, sender: str, buttons: list[Button]) -> None:
        """The latest reply's buttons replace the earlier ones."""
        try:
            await self.buttons.remember(sender, buttons)
        except RedisError as error:
            logger.warning("offered buttons not kept (%s)", type(error).__name__)


def _touch_open(session, sender: str, now) -> None:
    chat = live.open_for(session, sender)
    if chat is not None:
        live.touch(session, chat.id, now=now)
