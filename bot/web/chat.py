"""The web widget's API: chat, notifications, and forgetting a session.

The widget keeps a random session id; the Rasa sender is derived from it here,
with the secret key, so no client can pick another session's conversation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from functools import cached_property
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from aiolimiter import AsyncLimiter
from sqlalchemy.exc import SQLAlchemyError

from actions.db import live, notifications, personal_data, photos
from actions.db.models import utcnow
from bot.shared.gateway import ConversationGateway
from bot.shared.limits import KeyedLimits, take_shared
from bot.shared.photo_intake import PhotoIntake
from bot.shared.photos import MAX_BYTES, PhotoRefused
from bot.shared.proxies import client_address
from bot.shared.redis_state import RedisRateLimits
from bot.shared.unavailable import Unavailable
from bot.web.errors import (
    BAD_REQUEST,
    EMPTY,
    MAX_MESSAGE,
    NO_ANSWER,
    NO_PHOTOS_IN_LIVE_CHAT,
    NOT_A_PHOTO_UPLOAD,
    NOT_DELETED,
    PHOTO_NOT_SAVED,
    TOO_FAST,
    TOO_LONG,
    TOO_MANY_PHOTOS,
    UNAVAILABLE,
    error,
    worded,
)
from core import metrics
from core.protocol import (
    AFFIRM_PAYLOAD,
    DELETED_MARKER,
    FORGET_PAYLOADS,
    intent_payload,
)
from core.secret_key import address_key, secret_key, sender_key
from core.settings import Settings

CHANNEL = "web"
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_NOTIFICATIONS = 20
# Control characters other than line breaks and tabs, and lone surrogates,
# which no channel can encode: removed before Rasa sees the text.
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Nothing to read: white space and zero-width characters only (docs/openapi.yaml).
BLANK = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]*")

# What each refusal of a photo answers: the file itself is wrong (400, 413),
# the conversation has no place for it (409), a budget is spent (429, 503).
PHOTO_STATUS = {"too_big": 413, "not_in_form": 409, "address_budget": 429,
                "overall_budget": 503}  # fmt: skip
PHOTO_RETRY_AFTER = {"address_budget": "3600", "overall_budget": "600"}
# Form fields besides the photo: the session id and a caption.
MAX_FIELD_BYTES = 4 * MAX_MESSAGE
# The whole upload, parts of unknown names included, and how many parts.
MAX_UPLOAD = MAX_BYTES + 2 * MAX_FIELD_BYTES + 64 * 1024
MAX_PARTS = 8


def clean(message: str) -> str:
    """The text as Rasa should see it: NFC, without unprintable characters."""
    return unicodedata.normalize("NFC", UNPRINTABLE.sub("", message)).strip()


class ChatApi:
    def __init__(
        self,
        settings: Settings,
        gateway: ConversationGateway,
        shared_limits: RedisRateLimits | None = None,
    ) -> None:
        self.settings = settings
        self.gateway = gateway
        self._shared = shared_limits
        self._key = secret_key(settings)
        self._per_session = KeyedLimits(settings.web_chat_per_minute)
        self._per_address = KeyedLimits(settings.web_address_per_minute)
        self._overall = AsyncLimiter(settings.web_global_per_minute, 60)

    @cached_property
    def intake(self) -> PhotoIntake:
        return PhotoIntake(self.settings, self.gateway.db, self.gateway.rasa)

    def metadata(self, request: web.Request) -> dict[str, str]:
        """What Rasa and the actions learn of a request: the channel, and the
        client address only as a key that changes daily (supports per address
        and day, actions.sdk.support_actions)."""
        address = client_address(request, self.settings.trusted_proxies)
        day = self.settings.now().astimezone(self.settings.tz).date()
        return {
            "channel": CHANNEL,
            "address_key": address_key(address, day, self.settings),
        }

    def sender(self, session: str) -> str:
        digest = hmac.new(self._key, f"web-session:{session}".encode(), hashlib.sha256)
        return f"{CHANNEL}:{digest.hexdigest()[:32]}"

    async def allowed(self, request: web.Request, sender: str | None = None) -> bool:
        address = client_address(request, self.settings.trusted_proxies)
        limits = [
            (f"web-address:{address}", self.settings.web_address_per_minute),
            ("web-overall", self.settings.web_global_per_minute),
        ]
        if sender is not None:
            limits.insert(
                0, (f"web-session:{sender}", self.settings.web_chat_per_minute)
            )

        def local() -> list[AsyncLimiter]:
            buckets = [self._per_address.bucket(address), self._overall]
            if sender is not None:
                buckets.insert(0, self._per_session.bucket(sender))
            return buckets

        return await take_shared(self._shared, limits, local, name="web")

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any] | None:
        """A JSON object, or None for anything else: JSON is UTF-8 (RFC 8259),
        whatever charset the request claims, and nesting may not exhaust the stack."""
        try:
            body = json.loads((await request.read()).decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None
        except web.HTTPRequestEntityTooLarge as too_large:
            raise web.HTTPRequestEntityTooLarge(
                max_size=request.client_max_size,
                actual_size=request.content_length or 0,
                text=json.dumps({"error": TOO_LONG}),
                content_type="application/json",
            ) from too_large
        return body if isinstance(body, dict) else None

    def sender_of(self, value: Any) -> str | None:
        return (
            self.sender(value)
            if isinstance(value, str) and SESSION_ID.match(value)
            else None
        )

    async def chat(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        sender = self.sender_of(body.get("session")) if body else None
        message = body.get("message") if body else None
        if sender is None or not isinstance(message, str):
            return error(400, BAD_REQUEST)
        if len(message) > MAX_MESSAGE:
            return error(400, TOO_LONG)
        message = clean(message)
        if BLANK.fullmatch(message):
            return error(400, EMPTY)
        if not await self.allowed(request, sender):
            return error(429, TOO_FAST, **{"Retry-After": "10"})
        try:
            turn = await self.gateway.turn(
                sender, message, channel=CHANNEL, metadata=self.metadata(request)
            )
        except Unavailable:
            return error(503, UNAVAILABLE)
        messages = visible(turn.replies)
        if not messages and not turn.live:
            messages = [{"text": worded(request, NO_ANSWER), "buttons": []}]
        answer: dict[str, Any] = {"messages": messages, "live": turn.live}
        if deleted(turn.replies):
            # The widget then clears what it shows and stores, and starts anew.
            answer["forgotten"] = True
        mode = turn.language
        if mode:
            answer["language"] = mode  # the widget's "Leichte Sprache" control
        return web.json_response(answer)

    async def photo(self, request: web.Request) -> web.Response:
        """A photo from "Foto anhängen" (multipart: session, caption, photo).

        Read as a stream, so the app's small body limit stays for everything
        else; the photo is checked by its content, never by name or type. It
        is kept only while the suggestion form asks (bot.shared.photo_intake);
        outside it a caption is answered as if typed, and the photo stays in
        the widget (`photo_kept: false`) to be sent once the form asks.
        """
        if request.content_type != "multipart/form-data":
            return error(400, BAD_REQUEST)
        if not await self.allowed(request):
            return error(429, TOO_FAST, **{"Retry-After": "10"})
        try:
            fields = await _multipart(request)
        except PhotoRefused as refused:
            return error(413, refused.german)
        except (ValueError, RuntimeError, AssertionError, LookupError, EOFError,
                HttpProcessingError):  # fmt: skip
            return error(400, BAD_REQUEST)  # not a well-formed multipart body
        sender = self.sender_of(fields.get("session", b"").decode("utf-8", "replace"))
        if sender is None:
            return error(400, BAD_REQUEST)
        if not fields.get("photo"):
            return error(400, NOT_A_PHOTO_UPLOAD)
        caption = clean(fields.get("caption", b"").decode("utf-8", "replace"))
        if len(caption) > MAX_MESSAGE:
            return error(400, TOO_LONG)
        if BLANK.fullmatch(caption):
            caption = ""
        if not await self.allowed(request, sender):
            return error(429, TOO_FAST, **{"Retry-After": "10"})
        metadata = self.metadata(request)
        said: list[dict[str, Any]] = []  # the answer to a caption outside the form
        live_now = False
        try:
            await self.intake.check_header(fields["photo"])
            if await self.gateway.is_live(sender):
                return error(409, NO_PHOTOS_IN_LIVE_CHAT)
            if not await self.intake.form_waits(sender):
                if not caption:
                    raise PhotoRefused("not_in_form")
                turn = await self.gateway.turn(
                    sender, caption, channel=CHANNEL, metadata=metadata
                )
                said, live_now, caption = visible(turn.replies), turn.live, ""
                if not await self.intake.form_waits(sender):  # the caption began one?
                    raise PhotoRefused("not_in_form")
            await self.intake.check_room(metadata["address_key"])
            await self.intake.keep(sender, fields["photo"], metadata["address_key"])
        except PhotoRefused as refused:
            status, retry = PHOTO_STATUS.get(refused.reason, 400), refused.reason
            return not_kept(
                said,
                live_now,
                worded(request, refused.german),
                status,
                **_retry_after(retry),
            )
        except photos.TooManyPhotos:
            return not_kept(said, live_now, worded(request, TOO_MANY_PHOTOS), 409)
        except SQLAlchemyError:
            return not_kept(said, live_now, worded(request, PHOTO_NOT_SAVED), 503)
        except Unavailable:
            return error(503, UNAVAILABLE)
        payload = (
            intent_payload("attach_photo", caption=caption)
            if caption
            else "/attach_photo"
        )
        try:
            turn = await self.gateway.turn(
                sender, payload, channel=CHANNEL, metadata=metadata
            )
        except Unavailable:
            return error(503, UNAVAILABLE)
        messages = [*said, *visible(turn.replies)]
        return web.json_response(
            {
                "messages": messages
                or [{"text": worded(request, NO_ANSWER), "buttons": []}],
                "photo_kept": True,
            }
        )

    async def notifications(self, request: web.Request) -> web.Response:
        sender = self.sender_of(request.query.get("session"))
        if sender is None:
            return error(400, BAD_REQUEST)
        if not await self.allowed(request):
            return error(429, TOO_FAST, **{"Retry-After": "10"})
        try:
            rows, status = await self.gateway.db.run(
                lambda s: (pending(s, sender), live_state(s, sender)),
                read_only=True,
            )
        except SQLAlchemyError:
            return error(503, UNAVAILABLE)
        return web.json_response(
            {
                "notifications": rows,
                "live": status is not None,
                "live_taken": status == live.TAKEN,
            }
        )

    async def notifications_seen(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        sender = self.sender_of(body.get("session")) if body else None
        ids = body.get("ids") if body else None
        if (
            sender is None
            or not isinstance(ids, list)
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
            or len(ids) > MAX_NOTIFICATIONS
        ):
            return error(400, BAD_REQUEST)
        if not await self.allowed(request):
            return error(429, TOO_FAST, **{"Retry-After": "10"})
        try:
            seen = await self.gateway.db.run(lambda s: _mark_seen(s, sender, ids))
        except SQLAlchemyError:
            return error(503, UNAVAILABLE)
        if seen:
            metrics.notifications_sent.labels(CHANNEL, "delivered").inc(seen)
        return web.json_response({"ok": True})

    async def left(self, request: web.Request) -> web.Response:
        """What "Verlauf löschen" would delete, so the widget can name it."""
        sender = self.sender_of(request.query.get("session"))
        if sender is None:
            return error(400, BAD_REQUEST)
        if not await self.allowed(request, sender):
            return error(429, TOO_FAST, **{"Retry-After": "10"})
        key = sender_key(sender, self.settings)
        try:
            data = await self.gateway.db.run(
                lambda s: personal_data.left_by(s, key).as_dict(),
                read_only=True,
            )
        except SQLAlchemyError:
            return error(503, UNAVAILABLE)
        return web.json_response(data)

    async def forget(self, request: web.Request) -> web.Response:
        """ "Verlauf löschen": the same deletion a citizen asks for in the chat;
        with `"scope": "conversation"` only the conversation, and what was
        handed in stays with the city.

        Success only when the deletion action says it committed and Rasa saved
        (erased) the conversation; otherwise the widget keeps its session.
        """
        body = await self._body(request)
        sender = self.sender_of(body.get("session")) if body else None
        scope = body.get("scope", "all") if body else None
        if sender is None or not isinstance(scope, str) or scope not in FORGET_PAYLOADS:
            return error(400, BAD_REQUEST)
        if not await self.allowed(request, sender):
            return error(429, TOO_FAST, **{"Retry-After": "10"})
        try:
            for text in (FORGET_PAYLOADS[scope], AFFIRM_PAYLOAD):
                turn = await self.gateway.turn(
                    sender, text, channel=CHANNEL, metadata=self.metadata(request)
                )
            replies = turn.replies
        except Unavailable:
            return error(503, NOT_DELETED)
        if not deleted(replies):
            return error(503, NOT_DELETED)
        messages = visible(replies)
        return web.json_response({"messages": messages})


def not_kept(
    said: list[dict[str, Any]], live: bool, reason: str, status: int, **headers: str
) -> web.Response:
    """A photo that was not kept: its German reason as an error; after a
    caption that was answered, 200 with the reason before the answer (whose
    buttons the widget shows under the last message) and `photo_kept: false`."""
    if not said:
        return error(status, reason, **headers)
    note = {"text": reason, "buttons": []}
    return web.json_response(
        {"messages": [note, *said], "live": live, "photo_kept": False}
    )


def _retry_after(reason: str) -> dict[str, str]:
    seconds = PHOTO_RETRY_AFTER.get(reason)
    return {"Retry-After": seconds} if seconds else {}


async def _multipart(request: web.Request) -> dict[str, bytes]:
    """The form's fields, each read only up to its limit (ValueError beyond a
    field's, PhotoRefused beyond a photo's). Parts of other names are read and
    dropped, but count against the whole upload's limit, and there are few."""
    limits = {
        "session": MAX_FIELD_BYTES,
        "caption": MAX_FIELD_BYTES,
        "photo": MAX_BYTES,
    }
    fields: dict[str, bytes] = {}
    reader = await request.multipart()
    total, parts = 0, 0
    while (part := await reader.next()) is not None:
        parts += 1
        if parts > MAX_PARTS or not isinstance(part, BodyPartReader):
            raise ValueError("too many parts, or parts within parts")
        known = part.name in limits
        if known and part.name in fields:
            raise ValueError("a field twice")
        chunks, size = [], 0
        while chunk := await part.read_chunk():
            size, total = size + len(chunk), total + len(chunk)
            if total > MAX_UPLOAD:
                raise PhotoRefused("too_big")
            if known and size > limits[part.name]:
                if part.name == "photo":
                    raise PhotoRefused("too_big")
                raise ValueError(f"{part.name} too long")
            if known:
                chunks.append(chunk)
        if known:
            fields[part.name] = b"".join(chunks)
    return fields


def deleted(replies: list[dict[str, Any]]) -> bool:
    """Whether the deletion action said it committed (core.protocol.DELETED_MARKER)."""
    return any(
        isinstance(reply.get("custom"), dict) and reply["custom"].get(DELETED_MARKER)
        for reply in replies
    )


def live_state(session, sender: str) -> str | None:
    """The open live chat's status (waiting or taken), None without one."""
    chat = live.open_for(session, sender)
    return chat.status if chat is not None else None


def visible(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The replies the widget shows. A custom `ask_location` (Rasa sends it
    right after its message) becomes that message's `ask_location` flag."""
    messages: list[dict[str, Any]] = []
    for reply in replies:
        custom = reply.get("custom")
        if isinstance(custom, dict) and custom.get("ask_location") is True and messages:
            messages[-1]["ask_location"] = True
        shown = _visible(reply)
        if shown:
            messages.append(shown)
    return messages


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


def pending(session, sender: str, after: int = 0) -> list[dict[str, Any]]:
    rows = notifications.pending_for(
        session, CHANNEL, sender, MAX_NOTIFICATIONS, after=after
    )
    return [
        {"id": row.id, "text": row.text, "created_at": row.created_at.isoformat()}
        for row in rows
    ]


def _mark_seen(session, sender: str, ids: list[int]) -> int:
    # Only the recipient's own notifications: a guessed id of someone else's row changes nothing.
    return notifications.mark_seen(session, CHANNEL, sender, ids, now=utcnow())
