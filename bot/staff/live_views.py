"""The live chat: availability, the queue of handed-over conversations, taking
one, replying and handing it back to the assistant.

Rasa's HTTP API holds the transcript and the pause; the outbox carries the
replies to the citizen's channel (the widget reads it as a stream).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import aiohttp_jinja2
from aiohttp import web

from actions.db import live, notifications
from actions.db.audit import record
from actions.db.content import ContentError, load_contact
from bot.shared.live_chat import STAFF_ENDED_TEXT, live_chat_span, wake_deliveries
from bot.shared.rasa_client import RasaUnavailable
from bot.staff.helpers import RASA, SETTINGS, PageError, db, flash, url

logger = logging.getLogger(__name__)

MAX_REPLY = 2000
HOURS = (1, 2, 4, 8)
TAKEN_TEXT = "Eine Person aus dem Team ist jetzt für Sie da und liest Ihre Nachrichten."
REPLY_PREFIX = "Antwort aus dem Team:\n"


def _now(request: web.Request) -> datetime:
    return request.app[SETTINGS].now()


def _idle(request: web.Request) -> timedelta:
    return timedelta(minutes=request.app[SETTINGS].staff_idle_minutes)


def _closing(request: web.Request) -> datetime | None:
    settings = request.app[SETTINGS]
    try:
        hours = load_contact(settings.content_dir).office_hours(settings.timezone)
    except ContentError:
        return None
    return hours.closing(settings.now())


def _chat_id(request: web.Request) -> int:
    try:
        return int(request.match_info["chat_id"])
    except ValueError:
        raise PageError(404, "Diesen Live-Chat gibt es nicht.") from None


def _back(request: web.Request, chat_id: int | None = None) -> web.HTTPSeeOther:
    query = {"chat": str(chat_id)} if chat_id else None
    return web.HTTPSeeOther(url(request, "live", query))


async def live_page(request: web.Request) -> web.Response:
    user = request["user"]
    now, idle = _now(request), _idle(request)
    selected = request.query.get("chat", "")

    def load(session):
        return (
            live.queue(session),
            live.recent_ended(session),
            live.availability(session, user.username, now=now, idle=idle),
        )

    chats, ended, available_until = await db(request, load, read_only=True)
    chosen = next((c for c in chats if str(c.id) == selected), None)
    transcript, transcript_error = [], None
    if chosen is not None:
        try:
            transcript = live_chat_span(
                await request.app[RASA].transcript(chosen.sender_id)
            )
        except RasaUnavailable:
            transcript_error = "Der Verlauf ist gerade nicht abrufbar."
    return aiohttp_jinja2.render_template(
        "live.html",
        request,
        {
            "chats": chats, "ended": ended, "chosen": chosen,
            "transcript": transcript, "transcript_error": transcript_error,
            "available_until": available_until, "hours": HOURS,
            "closing": _closing(request), "status_labels_live": live.STATUS_LABELS,
            "max_reply": MAX_REPLY,
        },
    )  # fmt: skip


async def live_state(request: web.Request) -> web.Response:
    """For the page's script: what changed, to show the alert and new messages."""
    chats = await db(request, live.queue, read_only=True)
    return web.json_response(
        {
            "chats": [
                {
                    "id": c.id,
                    "status": c.status,
                    "taken_by": c.taken_by,
                    "last_message_at": c.last_message_at.isoformat(),
                }
                for c in chats
            ]
        },
        headers={"Cache-Control": "no-store"},
    )


async def transcript_json(request: web.Request) -> web.Response:
    chat_id = _chat_id(request)
    chat = await db(request, lambda s: live.get(s, chat_id), read_only=True)
    if chat is None:
        raise web.HTTPNotFound()
    if chat.status == live.ENDED:
        # The page keeps what it shows; an ended chat is nobody's to read on.
        return web.json_response(
            {"status": chat.status, "error": "Dieser Live-Chat ist beendet."},
            status=410,
            headers={"Cache-Control": "no-store"},
        )
    try:
        events = live_chat_span(await request.app[RASA].transcript(chat.sender_id))
    except RasaUnavailable:
        return web.json_response({"error": "Rasa nicht erreichbar"}, status=503)
    messages = [
        {
            "from": "citizen"
            if e["event"] == "user"
            else "team"
            if (e.get("metadata") or {}).get("staff")
            else "assistant",
            "text": e.get("text") or "",
            "at": e.get("timestamp"),
        }
        for e in events
        if e.get("text")
    ]
    return web.json_response(
        {"status": chat.status, "messages": messages},
        headers={"Cache-Control": "no-store"},
    )


async def set_availability(request: web.Request) -> web.StreamResponse:
    user = request["user"]
    form = await request.post()
    now = _now(request)
    if form.get("available") == "1":
        choice = form.get("until", "")
        if choice == "closing" and (closing := _closing(request)):
            until = closing
        elif choice.isdigit() and int(choice) in HOURS:
            until = now + timedelta(hours=int(choice))
        else:
            await flash(
                request, "Bitte wählen Sie, wie lange Sie erreichbar sind.", "error"
            )
            raise _back(request)
        await db(
            request, lambda s: live.set_available(s, user.username, until, now=now)
        )
        await flash(request, "Sie sind jetzt im Live-Chat erreichbar.")
    else:
        await db(request, lambda s: live.set_unavailable(s, user.username))
        await flash(request, "Sie sind im Live-Chat nicht mehr erreichbar.")
    raise _back(request)


async def take(request: web.Request) -> web.StreamResponse:
    user, chat_id, now = request["user"], _chat_id(request), _now(request)

    def work(session):
        chat = live.take(session, chat_id, user.username, now=now)
        if chat.taken_at == now:
            notifications.queue(
                session, chat.channel, chat.sender_id, TAKEN_TEXT, now=now
            )
        return chat

    try:
        chat = await db(request, work)
    except live.LiveChatGone as gone:
        await flash(request, str(gone), "error")
        raise _back(request) from None
    wake_deliveries(request)
    await _log_bot(request, chat.sender_id, TAKEN_TEXT, user.username)
    raise _back(request, chat_id)


async def reply(request: web.Request) -> web.StreamResponse:
    user, chat_id, now = request["user"], _chat_id(request), _now(request)
    form = await request.post()
    text = str(form.get("text", "")).strip()
    if not text:
        await flash(request, "Bitte schreiben Sie eine Antwort.", "error")
        raise _back(request, chat_id)
    if len(text) > MAX_REPLY:
        await flash(request, f"Bitte höchstens {MAX_REPLY} Zeichen.", "error")
        raise _back(request, chat_id)

    def work(session):
        chat = live.held_by(session, chat_id, user.username)
        notifications.queue(
            session, chat.channel, chat.sender_id, REPLY_PREFIX + text, now=now
        )
        live.touch(session, chat.id, now=now)
        record(session, user.username, "live_replied", "live_chat", str(chat.id),
               None, {"characters": len(text)})  # fmt: skip
        return chat

    try:
        chat = await db(request, work)
    except live.LiveChatGone as gone:
        await flash(request, str(gone), "error")
        raise _back(request, chat_id) from None
    wake_deliveries(request)
    await _log_bot(request, chat.sender_id, text, user.username)
    raise _back(request, chat_id)


async def end(request: web.Request) -> web.StreamResponse:
    user, chat_id, now = request["user"], _chat_id(request), _now(request)

    def work(session):
        chat = live.get(session, chat_id, for_update=True)
        if chat is None or not live.end(session, chat, user.username, now=now):
            raise live.LiveChatGone("Dieser Live-Chat ist schon beendet.")
        notifications.queue(
            session, chat.channel, chat.sender_id, STAFF_ENDED_TEXT, now=now
        )
        return chat

    try:
        chat = await db(request, work)
    except live.LiveChatGone as gone:
        await flash(request, str(gone), "error")
        raise _back(request) from None
    wake_deliveries(request)
    try:
        await request.app[RASA].resume(chat.sender_id)
    except RasaUnavailable:
        # The citizen's next message resumes it (bot.shared.live_chat).
        logger.warning("live chat %s ended, but Rasa could not be resumed", chat.id)
    await _log_bot(request, chat.sender_id, STAFF_ENDED_TEXT, user.username)
    await flash(request, "Der Live-Chat ist beendet. Der Assistent antwortet wieder.")
    raise _back(request)


async def _log_bot(request: web.Request, sender: str, text: str, staff: str) -> None:
    """The team's words in Rasa's tracker, so the transcript is complete."""
    event = {"event": "bot", "text": text, "metadata": {"staff": staff}}
    try:
        await request.app[RASA].append_events(sender, [event])
    except RasaUnavailable:
        logger.warning("a staff message could not be added to the transcript")
