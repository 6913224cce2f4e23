"""Rasa's replies as Telegram messages: escaped HTML, split text, inline keyboards."""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass
from html import escape

from redis.exceptions import RedisError
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.shared.rasa_client import RasaMessage
from bot.shared.redis_state import RedisPayloads
from core.protocol import is_rating

logger = logging.getLogger(__name__)

# Telegram's limits: message text in UTF-16 code units, callback data in bytes.
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
SHORT_TITLE = 18
BUTTONS_ONLY_TEXT = "Bitte wählen Sie:"
SEND_LOCATION = "📍 Standort senden"
TYPE_A_PLACE = "Ort eingeben"


def utf16_length(text: str) -> int:
    # surrogatepass: a lone surrogate counts as the one unit it is, not an error.
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of `text` fit into `limit` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut `text` into parts of at most `limit`, at a paragraph, line or word if possible."""
    parts = []
    rest = text.strip()
    while utf16_length(rest) > limit:
        window = rest[: _fitting_prefix(rest, limit)]
        cut = 0
        for separator in ("\n\n", "\n", ". ", " "):
            position = window.rfind(separator)
            if position > limit // 2:
                cut = position + len(separator)
                break
        cut = cut or len(window)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


class ButtonPayloads:
    """Payloads too long for callback data, kept under a short key.

    Only recent ones are kept here. With REDIS_URL they are also kept in Redis
    for 30 days, so a button sent by one web-app process works on any other
    and after a restart; without, a forgotten button asks the citizen to type
    instead. Short payloads travel in the button itself.
    """

    PREFIX = "#"

    def __init__(self, capacity: int = 10_000, shared: RedisPayloads | None = None):
        self._capacity = capacity
        self._payloads: OrderedDict[str, str] = OrderedDict()
        self._shared = shared
        self._unshared: dict[str, str] = {}

    def callback_data(self, payload: str) -> str:
        if len(payload.encode()) <= MAX_CALLBACK_DATA and not payload.startswith(
            self.PREFIX
        ):
            return payload
        key = self.PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:32]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self._capacity:
            self._payloads.popitem(last=False)
        if self._shared is not None:
            self._unshared[key] = payload
        return key

    async def share(self) -> None:
        """Store the keys made since the last call in Redis, before they are sent."""
        if not self._unshared:
            return
        pending, self._unshared = self._unshared, {}
        try:
            await self._shared.put(pending)
        except RedisError as error:
            logger.warning("Redis unavailable for button payloads (%s).",
                           type(error).__name__)  # fmt: skip

    async def payload(self, callback_data: str) -> str | None:
        if not callback_data.startswith(self.PREFIX):
            return callback_data or None
        found = self._payloads.get(callback_data)
        if found is None and self._shared is not None:
            try:
                found = await self._shared.get(callback_data)
            except RedisError as error:
                logger.warning("Redis unavailable for button payloads (%s).",
                               type(error).__name__)  # fmt: skip
        return found


@dataclass(frozen=True)
class Outgoing:
    html: str
    keyboard: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = (
        None
    )


def _button(button: dict, payloads: ButtonPayloads) -> InlineKeyboardButton | None:
    title = str(button.get("title") or "").strip()
    payload = str(button.get("payload") or "").strip()
    if not title or not payload:
        return None
    if payload.startswith(("https://", "http://")):
        return InlineKeyboardButton(title, url=payload)
    return InlineKeyboardButton(title, callback_data=payloads.callback_data(payload))


def keyboard(
    buttons: list[dict], payloads: ButtonPayloads
) -> InlineKeyboardMarkup | None:
    buttons = buttons or []
    made = [b for b in (_button(x, payloads) for x in buttons if not is_rating(x)) if b]
    rating = [b for b in (_button(x, payloads) for x in buttons if is_rating(x)) if b]
    if not made and not rating:
        return None
    # Two short buttons share a row; long titles get a row each, so none is cut off.
    per_row = 2 if all(len(b.text) <= SHORT_TITLE for b in made) else 1
    rows = [made[i : i + per_row] for i in range(0, len(made), per_row)]
    # 👍/👎 share the last row, apart from the answer's own choices.
    return InlineKeyboardMarkup(rows + ([rating] if rating else []))


def location_keyboard(buttons: list[dict]) -> ReplyKeyboardMarkup:
    """Telegram asks for a location only from a reply keyboard (private chats);
    the message's other buttons join it and send their title as text."""
    titles = [str(b.get("title") or "").strip() for b in buttons or []]
    rows = [[KeyboardButton(SEND_LOCATION, request_location=True)]]
    rows += [[KeyboardButton(title)] for title in titles if title]
    return ReplyKeyboardMarkup(
        rows,
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=TYPE_A_PLACE,
    )


def asks_location(message: RasaMessage) -> bool:
    custom = message.get("custom")
    return isinstance(custom, dict) and custom.get("ask_location") is True


def render(
    messages: list[RasaMessage],
    payloads: ButtonPayloads,
    *,
    location_button: bool = False,
) -> list[Outgoing]:
    """Every Rasa message as one or more Telegram messages; buttons go on the last.

    With `location_button`, a message that asks for a place (its custom
    `ask_location` follows it) offers "Standort senden".
    """
    outgoing: list[Outgoing] = []
    for index, message in enumerate(messages):
        text = str(message.get("text") or "")
        following = messages[index + 1] if index + 1 < len(messages) else {}
        if location_button and asks_location(following):
            markup = location_keyboard(message.get("buttons") or [])
        else:
            markup = keyboard(message.get("buttons") or [], payloads)
        if not text.strip() and markup is None:
            continue
        parts = split_text(text) or [BUTTONS_ONLY_TEXT]
        outgoing += [Outgoing(escape(part, quote=False)) for part in parts[:-1]]
        outgoing.append(Outgoing(escape(parts[-1], quote=False), markup))
    return outgoing
