"""The live chat's words and wake-ups, shared by the gateway, the widget's
stream and the staff app (bot.shared.gateway routes the citizen's turns)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import unicodedata
from collections.abc import Callable

from aiohttp import web

from bot.shared.rasa_client import RasaMessage
from core.protocol import FORGET_PAYLOADS, LIVE_CHAT_MARKER

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
ASSISTANT_PAYLOADS = (FORGET_PAYLOADS["all"], "/restart")
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


# Messages before the handoff that staff see, to know what the citizen asked.
LEAD_IN_MESSAGES = 6


def _is_handoff(event: dict) -> bool:
    custom = (event.get("data") or {}).get("custom")
    return isinstance(custom, dict) and custom.get(LIVE_CHAT_MARKER) == "started"


def live_chat_span(transcript: list[dict]) -> list[dict]:
    """The messages of the latest live chat, with a few from just before it.

    The team sees what this chat is about, not the citizen's whole history
    of every session."""
    starts = [i for i, event in enumerate(transcript) if _is_handoff(event)]
    if not starts:
        return []
    before = [i for i in range(starts[-1]) if transcript[i].get("text")]
    first = before[-LEAD_IN_MESSAGES] if len(before) >= LEAD_IN_MESSAGES else 0
    return transcript[first:]


def started_live_chat(replies: list[RasaMessage]) -> bool:
    return any(
        isinstance(r.get("custom"), dict) and r["custom"].get(LIVE_CHAT_MARKER)
        for r in replies
    )
