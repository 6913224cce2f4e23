"""Live chats with staff: who is available, which conversations a person has.

Each function takes an open session; the caller owns the transaction. Times
come from the caller (Settings.now), so tests can fix the clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select, union_all, update
from sqlalchemy.orm import Session

from actions.db import conversations
from actions.db.audit import record
from actions.db.models import LiveAvailability, LiveChat

WAITING, TAKEN, ENDED = "waiting", "taken", "ended"
OPEN = (WAITING, TAKEN)
CITIZEN = "citizen"
AUTOMATIC = "automatisch"  # ended by the assistant: idle, or the office closed
STATUS_LABELS = {WAITING: "wartet", TAKEN: "übernommen", ENDED: "beendet"}
# User events read per chat for its preview: the newest may be a button's
# payload ("/request_human"), which is no message to show.
PREVIEW_LOOKBACK = 3


class LiveChatGone(ValueError):
    """The live chat ended or was taken by someone else meanwhile."""


# Availability -------------------------------------------------------------


def set_available(
    session: Session, username: str, until: datetime, *, now: datetime
) -> None:
    row = session.get(LiveAvailability, username)
    if row is None:
        session.add(LiveAvailability(username=username, until=until, seen_at=now))
    else:
        row.until, row.seen_at = until, now
    record(session, username, "live_available", "staff", username, None,
           {"until": until.isoformat()})  # fmt: skip


def set_unavailable(session: Session, username: str) -> bool:
    gone = session.execute(
        delete(LiveAvailability).where(LiveAvailability.username == username)
    ).rowcount
    if gone:
        record(session, username, "live_unavailable", "staff", username, None, None)
    return bool(gone)


def seen(session: Session, username: str, *, now: datetime) -> None:
    """The member is still signed in: their availability lasts with the session."""
    session.execute(
        update(LiveAvailability)
        .where(LiveAvailability.username == username)
        .values(seen_at=now)
    )


def availability(
    session: Session, username: str, *, now: datetime, idle: timedelta
) -> datetime | None:
    """Until when the member takes live chats, or None."""
    row = session.get(LiveAvailability, username)
    if row is None or row.until <= now or row.seen_at + idle <= now:
        return None
    return row.until


def anyone_available(session: Session, *, now: datetime, idle: timedelta) -> bool:
    return (
        session.execute(
            select(LiveAvailability.username)
            .where(LiveAvailability.until > now, LiveAvailability.seen_at > now - idle)
            .limit(1)
        ).first()
        is not None
    )


# Live chats ---------------------------------------------------------------


def open_for(session: Session, sender_id: str) -> LiveChat | None:
    return session.execute(
        select(LiveChat)
        .where(LiveChat.sender_id == sender_id, LiveChat.status.in_(OPEN))
        .order_by(LiveChat.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def start(
    session: Session,
    *,
    sender_id: str,
    sender_key: str,
    channel: str,
    now: datetime,
    address_key: str | None = None,
    language: str | None = None,
) -> LiveChat:
    """A waiting live chat for the sender; an open one is reused."""
    chat = open_for(session, sender_id)
    if chat is None:
        chat = LiveChat(
            sender_id=sender_id, sender_key=sender_key, channel=channel,
            status=WAITING, created_at=now, last_message_at=now,
            address_key=address_key, language=language,
        )  # fmt: skip
        session.add(chat)
        session.flush()
    return chat


def touch(session: Session, chat_id: int, *, now: datetime) -> None:
    """A new message in the chat, from the citizen or the team: it moves up in
    the queue and stays open for another idle period."""
    session.execute(
        update(LiveChat).where(LiveChat.id == chat_id).values(last_message_at=now)
    )


def queue(session: Session, limit: int = 50) -> list[LiveChat]:
    """Open live chats, the one with the newest message first."""
    return list(
        session.execute(
            select(LiveChat)
            .where(LiveChat.status.in_(OPEN))
            .order_by(LiveChat.last_message_at.desc(), LiveChat.id.desc())
            .limit(limit)
        ).scalars()
    )


def recent_ended(session: Session, limit: int = 20) -> list[LiveChat]:
    return list(
        session.execute(
            select(LiveChat)
            .where(LiveChat.status == ENDED)
            .order_by(LiveChat.ended_at.desc())
            .limit(limit)
        ).scalars()
    )


def waiting_count(session: Session, address_key: str | None = None) -> int:
    """Waiting chats, of everyone or of one client address."""
    query = select(func.count()).select_from(LiveChat).where(LiveChat.status == WAITING)
    if address_key is not None:
        query = query.where(LiveChat.address_key == address_key)
    return session.execute(query).scalar_one()


def get(session: Session, chat_id: int, *, for_update: bool = False) -> LiveChat | None:
    query = select(LiveChat).where(LiveChat.id == chat_id)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def take(session: Session, chat_id: int, username: str, *, now: datetime) -> LiveChat:
    """The member takes the chat; a second member gets LiveChatGone."""
    chat = get(session, chat_id, for_update=True)
    if chat is None or chat.status == ENDED:
        raise LiveChatGone("Dieser Live-Chat ist schon beendet.")
    if chat.status == TAKEN and chat.taken_by != username:
        raise LiveChatGone(f"{chat.taken_by} hat diesen Live-Chat schon übernommen.")
    if chat.status == WAITING:
        chat.status, chat.taken_by, chat.taken_at = TAKEN, username, now
        record(session, username, "live_taken", "live_chat", str(chat.id),
               {"status": WAITING}, {"status": TAKEN, "taken_by": username})  # fmt: skip
    return chat


def held_by(session: Session, chat_id: int, username: str) -> LiveChat:
    """The chat, if this member has it; else LiveChatGone."""
    chat = get(session, chat_id, for_update=True)
    if chat is None or chat.status == ENDED:
        raise LiveChatGone("Dieser Live-Chat ist schon beendet.")
    if chat.taken_by != username:
        raise LiveChatGone("Bitte übernehmen Sie den Live-Chat zuerst.")
    return chat


def end(session: Session, chat: LiveChat, by: str, *, now: datetime) -> bool:
    """End the chat; False if it had ended already (a second click, a race)."""
    if chat.status == ENDED:
        return False
    before = {"status": chat.status, "taken_by": chat.taken_by}
    chat.status, chat.ended_at, chat.ended_by = ENDED, now, by
    chat.address_key = None  # only the queue's budget needed it
    record(session, by, "live_ended", "live_chat", str(chat.id), before,
           {"status": ENDED})  # fmt: skip
    return True


def end_stale(
    session: Session, *, now: datetime, idle: timedelta, office_open: bool
) -> list[LiveChat]:
    """Open chats in which nobody wrote for `idle`; all of them once the office
    has closed. Without this a chat stayed open, and the citizen paused, for ever."""
    query = select(LiveChat).where(LiveChat.status.in_(OPEN))
    if office_open:
        query = query.where(LiveChat.last_message_at <= now - idle)
    chats = list(session.execute(query.with_for_update(skip_locked=True)).scalars())
    for chat in chats:
        end(session, chat, AUTOMATIC, now=now)
    return chats


def end_for_sender(
    session: Session, sender_id: str, *, now: datetime
) -> LiveChat | None:
    """The citizen goes back to the assistant; the chat that ended, if any."""
    chat = open_for(session, sender_id)
    if chat is not None:
        end(session, chat, CITIZEN, now=now)
    return chat


def delete_for_sender(session: Session, sender_key: str) -> int:
    """ "Meine Daten löschen": the rows naming the citizen's chat go.

    The audit log keeps who handled chat number N, without the citizen."""
    return session.execute(
        delete(LiveChat).where(LiveChat.sender_key == sender_key)
    ).rowcount


def purge_ended_before(session: Session, before: datetime) -> int:
    return session.execute(
        delete(LiveChat).where(LiveChat.status == ENDED, LiveChat.ended_at < before)
    ).rowcount


# The citizen's words, from Rasa's tracker store ------------------------------


@dataclass(frozen=True)
class CitizenMessage:
    text: str
    at: datetime


def last_citizen_messages(
    tracker_url: str, sender_ids: Iterable[str]
) -> dict[str, CitizenMessage] | None:
    """The newest typed message of each sender, for the queue's previews.

    Unlike the rest of this module it reads Rasa's tracker store, in one
    query: per sender an index range scan of its newest few user events
    (bot.plugins.tracker_store.SESSION_INDEXES), however long the
    conversation. None when the store cannot be read."""
    senders = list(dict.fromkeys(sender_ids))
    if not senders or not conversations.exists(tracker_url):
        return {}
    rows = conversations.read(tracker_url, _newest_user_events(senders))
    if rows is None:
        return None
    found: dict[str, CitizenMessage] = {}
    for sender_id, timestamp, data in sorted(rows, key=lambda r: -r.timestamp):
        text = None if sender_id in found else _typed_text(data)
        if text:
            at = datetime.fromtimestamp(timestamp, timezone.utc)
            found[sender_id] = CitizenMessage(text, at)
    return found


def _newest_user_events(senders: list[str]):
    events = conversations.TRACKER_EVENTS
    newest = [
        select(events.c.sender_id, events.c.timestamp, events.c.data)
        .where(events.c.sender_id == sender, events.c.type_name == "user")
        .order_by(events.c.timestamp.desc())
        .limit(PREVIEW_LOOKBACK)
        .subquery()
        for sender in senders
    ]
    # SQLite allows LIMIT in a UNION's members only inside subqueries.
    return union_all(*(select(*part.c) for part in newest))


def _typed_text(data: str | None) -> str | None:
    try:
        text = json.loads(data or "{}").get("text")
    except (ValueError, AttributeError):
        return None
    if not isinstance(text, str) or not text.strip() or text.startswith("/"):
        return None
    return text.strip()
