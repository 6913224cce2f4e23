"""A citizen's answers to the team's messages.

When the team writes about a suggestion or answers a message left for it
("… Klappt es dann?"), the citizen's next message is most likely the answer.
The gateway offers to send it to the team; once sent, it is shown on the
suggestion's or the callback request's page. Replies go with "Meine Daten
löschen" and with retention like the rest of what a citizen leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from actions.db.models import CallbackRequest, Notification, Suggestion, ThreadReply

MAX_REPLY = 2000
# A week and a bit: an answer after that is a new conversation.
ANSWER_WINDOW = timedelta(days=10)
OFFERED, SENT = "offered", "sent"


@dataclass(frozen=True)
class Thread:
    """The suggestion or callback request a team message was about."""

    reference: str
    suggestion_id: int | None = None
    callback_id: int | None = None


def awaiting_answer(
    session: Session, channel: str, recipient: str, *, now: datetime
) -> Thread | None:
    """The thread of the team's latest message to this chat, if the citizen
    has not written since it arrived. Asking takes the chance: only the next
    message after a team message is offered as the answer."""
    about_thread = or_(
        Notification.suggestion_id.is_not(None), Notification.callback_id.is_not(None)
    )
    waiting = (
        Notification.channel == channel,
        Notification.recipient == recipient,
        Notification.sent_at.is_not(None),
        Notification.reply_offered_at.is_(None),
        about_thread,
    )
    if session.scalar(select(Notification.id).where(*waiting).limit(1)) is None:
        return None  # the common case: no write, so no lock on SQLite
    latest = session.scalar(
        select(Notification)
        .where(*waiting, Notification.sent_at >= now - ANSWER_WINDOW)
        .order_by(Notification.sent_at.desc(), Notification.id.desc())
        .limit(1)
    )
    session.execute(
        update(Notification)
        .where(*waiting)
        .values(reply_offered_at=now)
        .execution_options(synchronize_session=False)
    )
    return _thread_of(session, latest, recipient) if latest else None


def _thread_of(
    session: Session, message: Notification, recipient: str
) -> Thread | None:
    if message.callback_id is not None:
        request = session.get(CallbackRequest, message.callback_id)
        return Thread(request.reference, callback_id=request.id) if request else None
    suggestion = session.get(Suggestion, message.suggestion_id)
    # News to a supporter is about someone else's suggestion: no thread of theirs.
    if suggestion is None or suggestion.reply_to != recipient:
        return None
    return Thread(suggestion.reference, suggestion_id=suggestion.id)


def hold(
    session: Session, thread: Thread, *, sender_key: str, channel: str, text: str,
    now: datetime,
) -> int:  # fmt: skip
    """Keep the message while the citizen is asked whether it is for the team."""
    reply = ThreadReply(
        suggestion_id=thread.suggestion_id, callback_id=thread.callback_id,
        sender_key=sender_key, channel=channel, text=text[:MAX_REPLY],
        status=OFFERED, created_at=now,
    )  # fmt: skip
    session.add(reply)
    session.flush()
    return reply.id


def _offered(session: Session, reply_id: int, sender_key: str) -> ThreadReply | None:
    """Only the citizen's own held message, and only once."""
    return session.scalar(
        select(ThreadReply).where(
            ThreadReply.id == reply_id,
            ThreadReply.sender_key == sender_key,
            ThreadReply.status == OFFERED,
        )
    )


def send(
    session: Session, reply_id: int, sender_key: str, *, now: datetime
) -> str | None:
    """The citizen said yes: the reply is on the staff page; its reference."""
    reply = _offered(session, reply_id, sender_key)
    if reply is None:
        return None
    reply.status, reply.sent_at = SENT, now
    if reply.callback_id is not None:
        request = session.get(CallbackRequest, reply.callback_id)
        # The team answered and marked it done; the citizen's answer reopens it.
        if request is not None and request.status == "erledigt":
            request.status = "offen"
        return request.reference if request else None
    suggestion = session.get(Suggestion, reply.suggestion_id)
    return suggestion.reference if suggestion else None


def take_back(session: Session, reply_id: int, sender_key: str) -> str | None:
    """The citizen said no: the held message goes to the assistant instead."""
    reply = _offered(session, reply_id, sender_key)
    if reply is None:
        return None
    text = reply.text
    session.delete(reply)
    return text


def for_suggestion(session: Session, suggestion_id: int) -> list[ThreadReply]:
    return list(
        session.scalars(
            select(ThreadReply)
            .where(
                ThreadReply.suggestion_id == suggestion_id, ThreadReply.status == SENT
            )
            .order_by(ThreadReply.sent_at, ThreadReply.id)
        )
    )


def for_callback(session: Session, callback_id: int) -> list[ThreadReply]:
    return list(
        session.scalars(
            select(ThreadReply)
            .where(ThreadReply.callback_id == callback_id, ThreadReply.status == SENT)
            .order_by(ThreadReply.sent_at, ThreadReply.id)
        )
    )


def delete_for_sender(session: Session, sender_key: str) -> int:
    """ "Meine Daten löschen": every answer the citizen wrote to the team."""
    return session.execute(
        delete(ThreadReply).where(ThreadReply.sender_key == sender_key)
    ).rowcount


def discard_offered(session: Session, sender_key: str) -> int:
    """Messages still waiting for the citizen's yes go with the conversation."""
    return session.execute(
        delete(ThreadReply).where(
            ThreadReply.sender_key == sender_key, ThreadReply.status == OFFERED
        )
    ).rowcount


def purge_before(session: Session, before: datetime) -> int:
    """Retention: answers older than the retention period."""
    return session.execute(
        delete(ThreadReply).where(ThreadReply.created_at < before)
    ).rowcount
