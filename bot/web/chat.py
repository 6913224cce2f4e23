"""The web widget's API: chat, news from the outbox, and forgetting a session.

The widget keeps a random session id; the Rasa sender is derived from it here,
with the secret key, so no client can pick another session's conversation.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
from collections import OrderedDict
from typing import Any

from aiohttp import web
from aiolimiter import AsyncLimiter
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from actions.db import outbox
from actions.db.models import Notification, utcnow
from actions.db.session import in_transaction
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.secret_key import secret_key
from bot.settings import Settings

CHANNEL = "web"
MAX_MESSAGE = 2000
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_NEWS = 20
LIMITER_SESSIONS = 10_000

BAD_REQUEST = "Die Anfrage ist ungültig. Bitte laden Sie die Seite neu."
EMPTY = "Bitte schreiben Sie eine Nachricht."
TOO_LONG = f"Bitte schreiben Sie höchstens {MAX_MESSAGE:,} Zeichen.".replace(",", ".")
TOO_FAST = "Sie schreiben sehr schnell. Bitte warten Sie einen Moment."
UNAVAILABLE = (
    "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch "
    "einmal."
)
NO_ANSWER = "Entschuldigung, darauf habe ich gerade keine Antwort."


def error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


class ChatApi:
    def __init__(self, settings: Settings, rasa: RasaClient) -> None:
        self.settings = settings
        self.rasa = rasa
        self._key = secret_key(settings)
        self._limiters: OrderedDict[str, AsyncLimiter] = OrderedDict()

    def sender(self, session: str) -> str:
        digest = hmac.new(self._key, f"web-session:{session}".encode(), hashlib.sha256)
        return f"{CHANNEL}:{digest.hexdigest()[:32]}"

    def _limiter(self, sender: str) -> AsyncLimiter:
        limiter = self._limiters.pop(sender, None) or AsyncLimiter(
            self.settings.web_chat_per_minute, 60
        )
        self._limiters[sender] = limiter  # most recent last; the oldest goes first
        if len(self._limiters) > LIMITER_SESSIONS:
            self._limiters.popitem(last=False)
        return limiter

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any] | None:
        try:
            body = await request.json(loads=json.loads)
        except (ValueError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None

    def _session(self, value: Any) -> str | None:
        return (
            self.sender(value)
            if isinstance(value, str) and SESSION_ID.match(value)
            else None
        )

    async def chat(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        sender = self._session(body.get("session")) if body else None
        message = body.get("message") if body else None
        if sender is None or not isinstance(message, str):
            return error(400, BAD_REQUEST)
        message = message.strip()
        if not message:
            return error(400, EMPTY)
        if len(message) > MAX_MESSAGE:
            return error(400, TOO_LONG)
        limiter = self._limiter(sender)
        if not limiter.has_capacity():
            return error(429, TOO_FAST, **{"Retry-After": "10"})
        await limiter.acquire()
        try:
            replies = await self.rasa.send(
                sender, message, input_channel=CHANNEL, metadata={"channel": CHANNEL}
            )
        except RasaUnavailable:
            return error(503, UNAVAILABLE)
        messages = [m for m in map(_visible, replies) if m]
        if not messages:
            messages = [{"text": NO_ANSWER, "buttons": []}]
        return web.json_response({"messages": messages})

    async def news(self, request: web.Request) -> web.Response:
        sender = self._session(request.query.get("session"))
        if sender is None:
            return error(400, BAD_REQUEST)
        try:
            rows = await asyncio.to_thread(
                in_transaction,
                self.settings.database_url,
                lambda s: _pending(s, sender),
            )
        except SQLAlchemyError:
            return error(503, UNAVAILABLE)
        return web.json_response({"notifications": rows})

    async def news_seen(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        sender = self._session(body.get("session")) if body else None
        ids = body.get("ids") if body else None
        if (
            sender is None
            or not isinstance(ids, list)
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
            or len(ids) > MAX_NEWS
        ):
            return error(400, BAD_REQUEST)
        try:
            await asyncio.to_thread(
                in_transaction,
                self.settings.database_url,
                lambda s: _mark_seen(s, sender, ids),
            )
        except SQLAlchemyError:
            return error(503, UNAVAILABLE)
        return web.json_response({"ok": True})

    async def forget(self, request: web.Request) -> web.Response:
        """ "Verlauf löschen": the same deletion a citizen asks for in the chat."""
        body = await self._body(request)
        sender = self._session(body.get("session")) if body else None
        if sender is None:
            return error(400, BAD_REQUEST)
        try:
            for text in ("/request_data_deletion", "/affirm"):
                replies = await self.rasa.send(
                    sender, text, input_channel=CHANNEL, metadata={"channel": CHANNEL}
                )
        except RasaUnavailable:
            return error(503, UNAVAILABLE)
        messages = [m for m in map(_visible, replies) if m]
        return web.json_response({"messages": messages})


def _visible(message: dict[str, Any]) -> dict[str, Any] | None:
    """Only what the widget shows: text and buttons, as plain strings."""
    text = message.get("text")
    buttons = [
        {"title": str(b["title"]), "payload": str(b["payload"])}
        for b in message.get("buttons") or []
        if isinstance(b, dict) and b.get("title") and b.get("payload")
    ]
    if not isinstance(text, str) or not (text.strip() or buttons):
        return None
    return {"text": text, "buttons": buttons}


def _pending(session, sender: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Notification)
        .where(
            Notification.channel == CHANNEL,
            Notification.recipient == sender,
            Notification.sent_at.is_(None),
        )
        .order_by(Notification.id)
        .limit(MAX_NEWS)
    ).all()
    return [
        {"id": row.id, "text": row.text, "created_at": row.created_at.isoformat()}
        for row in rows
    ]


def _mark_seen(session, sender: str, ids: list[int]) -> None:
    now = utcnow()
    for row_id in ids:
        row = session.get(Notification, row_id)
        # Only one's own news: a guessed id of someone else's row changes nothing.
        if (
            row
            and row.recipient == sender
            and row.channel == CHANNEL
            and not row.sent_at
        ):
            outbox.mark_sent(session, row.id, now=now)
