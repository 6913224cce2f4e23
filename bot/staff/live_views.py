"""The live chat: availability, the queue of handed-over conversations, taking
one, replying and handing it back to the assistant.

Rasa's HTTP API holds the transcript and the pause; the outbox carries the
replies to the citizen's channel (the widget reads it as a stream).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import aiohttp_jinja2
from aiohttp import web

from actions.db import live, notifications
from actions.db.audit import record
from actions.db.models import LiveChat
from bot.shared.live_chat import (
    REPLY_PREFIX,
    STAFF_ENDED_TEXT,
    TAKEN_TEXT,
    in_language,
    live_chat_span,
)
from bot.shared.rasa_client import RasaUnavailable
from bot.staff.context import CHANNEL_LABELS, language_note
from bot.staff.helpers import RASA, REPLY_BUS, SETTINGS, PageError, db, flash, url
from core import metrics
from core.content import ContentError, load_contact
from core.german import local_time
from core.office_hours import OfficeHours
from core.settings import Settings

logger = logging.getLogger(__name__)

MAX_REPLY = 2000
HOURS = (1, 2, 4, 8)
PREVIEW_CHARS = 120
NO_MESSAGE = "Noch keine Nachricht."
NO_PREVIEW = "Die Vorschau ist gerade nicht abrufbar."
NOT_OFFERED = "Bürgerinnen und Bürger bekommen den Live-Chat deshalb nicht angeboten."


def _now(request: web.Request) -> datetime:
    return request.app[SETTINGS].now()


def _idle(request: web.Request) -> timedelta:
    return timedelta(minutes=request.app[SETTINGS].staff_idle_minutes)


def _office_hours(settings: Settings) -> OfficeHours | None:
    try:
        return load_contact(settings.content_dir).office_hours(settings.timezone)
    except ContentError:
        return None


def _closing(request: web.Request) -> datetime | None:
    settings = request.app[SETTINGS]
    hours = _office_hours(settings)
    return hours.closing(settings.now()) if hours else None


# What citizens are offered now ----------------------------------------------


@dataclass(frozen=True)
class TeamNow:
    """What the assistant's offer of a live chat depends on, besides the office."""

    someone_available: bool
    queue_full: bool


def _office_closed_text(hours: OfficeHours, now: datetime, settings: Settings) -> str:
    today = now.astimezone(settings.tz).date()
    if holiday := hours.holiday(today):
        return f"Heute ist {holiday}, das Büro ist geschlossen."
    if not hours.weekly.get(today.weekday()):
        return "Heute ist das Büro geschlossen."
    return "Das Büro ist gerade geschlossen."


def offer_text(settings: Settings, team: TeamNow) -> str:
    """Whether citizens are offered "Mit einer Person chatten" now, and if not,
    when again: the same rules as the assistant (actions.sdk.live_actions)."""
    hours, now = _office_hours(settings), settings.now()
    if hours is None:
        return f"Die Kontaktdaten (contact.yml) sind nicht lesbar. {NOT_OFFERED}"
    if not hours.weekly:
        return f"In contact.yml sind keine Öffnungszeiten eingetragen. {NOT_OFFERED}"
    if not hours.is_open(now):
        closed = _office_closed_text(hours, now, settings)
        opening = hours.describe_next(now)
        if opening is None:
            return f"{closed} {NOT_OFFERED}"
        return (
            f"{closed} Bürgerinnen und Bürger bekommen den Live-Chat jetzt nicht "
            f"angeboten, erst wieder {opening}, wenn dann jemand aus dem Team "
            "erreichbar ist."
        )
    if not team.someone_available:
        return (
            "Gerade ist niemand aus dem Team erreichbar. Der Assistent bietet "
            "deshalb an, eine Nachricht zu hinterlassen."
        )
    if team.queue_full:
        return (
            "Gerade warten so viele Gespräche, dass der Assistent keine neuen "
            "annimmt. Er bietet an, eine Nachricht zu hinterlassen."
        )
    closing = hours.closing(now)
    until = f" bis {closing.astimezone(settings.tz):%H:%M} Uhr" if closing else ""
    return f"Bürgerinnen und Bürger bekommen jetzt{until} „Mit einer Person chatten“ angeboten."


# The queue ---------------------------------------------------------------------


def waiting_text(count: int) -> str:
    """The same words in the navigation and in the alert."""
    if count == 0:
        return "Kein Gespräch wartet"
    return "1 Gespräch wartet" if count == 1 else f"{count} Gespräche warten"


def alert_text(count: int) -> str:
    return waiting_text(count) + (" auf eine Person." if count else ".")


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """The start of a message, cut after a whole word."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit + 1]
    space = cut.rfind(" ")
    if space > limit // 2:  # else one very long word: cut inside it
        cut = cut[:space]
    return cut[:limit].rstrip(" ,.;:-–") + "…"


def ago(at: datetime, now: datetime) -> str:
    minutes = int((now - at).total_seconds() // 60)
    if minutes < 1:
        return "gerade eben"
    if minutes < 60:
        return f"vor {minutes} Minute{'' if minutes == 1 else 'n'}"
    hours = minutes // 60
    if hours < 24:
        return f"vor {hours} Stunde{'' if hours == 1 else 'n'}"
    days = hours // 24
    return f"vor {days} Tag{'' if days == 1 else 'en'}"


def _summary(chat: LiveChat) -> str:
    status = live.STATUS_LABELS[chat.status]
    taken = f" von {chat.taken_by}" if chat.taken_by else ""
    channel = CHANNEL_LABELS.get(chat.channel, chat.channel)
    return f"{channel}{language_note(chat.language)} · {status}{taken}"


def _entry(
    request: web.Request,
    chat: LiveChat,
    messages: dict[str, live.CitizenMessage] | None,
) -> dict:
    """One queued chat, as the page shows it and its script redraws it."""
    message = (messages or {}).get(chat.sender_id)
    # Rasa stamps messages with the wall clock, not Settings.now (fixed in demos).
    now = datetime.now(timezone.utc)
    local = local_time(request.app[SETTINGS].tz)
    return {
        "id": chat.id,
        "status": chat.status,
        "taken_by": chat.taken_by,
        "last_message_at": chat.last_message_at.isoformat(),
        "url": url(request, "live", {"chat": str(chat.id)}),
        "summary": _summary(chat),
        "preview": preview(message.text) if message else None,
        "no_preview": NO_PREVIEW if messages is None else NO_MESSAGE,
        "said_at": message.at.isoformat() if message else None,
        "said_at_local": local(message.at) if message else None,
        "said_ago": ago(message.at, now) if message else None,
    }


async def _queue(request: web.Request) -> tuple[list[LiveChat], list[dict], int]:
    """The open chats with their previews, and how many wait."""

    def load(session):
        return live.queue(session), live.waiting_count(session)

    chats, waiting = await db(request, load, read_only=True)
    messages = await asyncio.to_thread(
        live.last_citizen_messages,
        request.app[SETTINGS].tracker_store_url,
        [c.sender_id for c in chats],
    )
    return chats, [_entry(request, c, messages) for c in chats], waiting


async def live_page(request: web.Request) -> web.Response:
    user, settings = request["user"], request.app[SETTINGS]
    now, idle = _now(request), _idle(request)
    selected = request.query.get("chat", "")

    def load(session):
        team = TeamNow(
            someone_available=live.anyone_available(session, now=now, idle=idle),
            queue_full=live.waiting_count(session) >= settings.live_max_waiting,
        )
        return (
            live.recent_ended(session),
            live.availability(session, user.username, now=now, idle=idle),
            team,
        )

    ended, available_until, team = await db(request, load, read_only=True)
    chats, entries, waiting = await _queue(request)
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
            "entries": entries, "ended": ended, "chosen": chosen,
            "transcript": transcript, "transcript_error": transcript_error,
            "available_until": available_until, "hours": HOURS,
            "closing": _closing(request), "offer_text": offer_text(settings, team),
            "alert_text": alert_text(waiting), "waiting": waiting,
            "max_reply": MAX_REPLY,
        },
    )  # fmt: skip


async def live_state(request: web.Request) -> web.Response:
    """For the page's script: the queue with its previews, and the counts.

    A background poll (bot.staff.middlewares.BACKGROUND_POLLS): it keeps
    neither the session nor the member's availability alive."""
    _chats, entries, waiting = await _queue(request)
    return web.json_response(
        {
            "chats": entries,
            "waiting": waiting,
            "waiting_text": waiting_text(waiting),
            "alert_text": alert_text(waiting),
        },
        headers={"Cache-Control": "no-store"},
    )


def _chat_id(request: web.Request) -> int:
    try:
        return int(request.match_info["chat_id"])
    except ValueError:
        raise PageError(404, "Diesen Live-Chat gibt es nicht.") from None


def _back(request: web.Request, chat_id: int | None = None) -> web.HTTPSeeOther:
    query = {"chat": str(chat_id)} if chat_id else None
    return web.HTTPSeeOther(url(request, "live", query))


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
    waited: list[float] = []  # set when this member took a waiting chat

    def work(session):
        chat = live.take(session, chat_id, user.username, now=now)
        if chat.taken_at == now:
            taken = in_language(TAKEN_TEXT, chat.language)
            notifications.queue(session, chat.channel, chat.sender_id, taken, now=now)
            waited.append((now - chat.created_at).total_seconds())
        return chat

    try:
        chat = await db(request, work)
    except live.LiveChatGone as gone:
        await flash(request, str(gone), "error")
        raise _back(request) from None
    for seconds in waited:
        metrics.live_chat_wait_seconds.observe(max(0.0, seconds))
    request.app[REPLY_BUS].publish()
    await _log_bot(
        request, chat.sender_id, in_language(TAKEN_TEXT, chat.language), user.username
    )
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
        prefix = in_language(REPLY_PREFIX, chat.language)
        notifications.queue(
            session, chat.channel, chat.sender_id, prefix + text, now=now
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
    request.app[REPLY_BUS].publish()
    await _log_bot(request, chat.sender_id, text, user.username)
    raise _back(request, chat_id)


async def end(request: web.Request) -> web.StreamResponse:
    user, chat_id, now = request["user"], _chat_id(request), _now(request)

    def work(session):
        chat = live.get(session, chat_id, for_update=True)
        if chat is None or not live.end(session, chat, user.username, now=now):
            raise live.LiveChatGone("Dieser Live-Chat ist schon beendet.")
        ended = in_language(STAFF_ENDED_TEXT, chat.language)
        notifications.queue(session, chat.channel, chat.sender_id, ended, now=now)
        return chat

    try:
        chat = await db(request, work)
    except live.LiveChatGone as gone:
        await flash(request, str(gone), "error")
        raise _back(request) from None
    request.app[REPLY_BUS].publish()
    try:
        await request.app[RASA].resume(chat.sender_id)
    except RasaUnavailable:
        # The citizen's next message resumes it (bot.shared.live_chat).
        logger.warning("live chat %s ended, but Rasa could not be resumed", chat.id)
    ended = in_language(STAFF_ENDED_TEXT, chat.language)
    await _log_bot(request, chat.sender_id, ended, user.username)
    await flash(request, "Der Live-Chat ist beendet. Der Assistent antwortet wieder.")
    raise _back(request)


async def _log_bot(request: web.Request, sender: str, text: str, staff: str) -> None:
    """The team's words in Rasa's tracker, so the transcript is complete."""
    event = {"event": "bot", "text": text, "metadata": {"staff": staff}}
    try:
        await request.app[RASA].append_events(sender, [event])
    except RasaUnavailable:
        logger.warning("a staff message could not be added to the transcript")
