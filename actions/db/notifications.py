"""Delivery side of the notification outbox, for every channel.

A deliverer claims due rows for a while (a lease), sends them, and then marks each
one sent, due again later, or failed. The lease keeps two deliverers from sending
the same row; a crash between sending and marking lets the lease run out, so the
row is sent again rather than lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from actions.db.models import Notification, Suggestion

# News by e-mail to authors who consented; delivered by bot.shared.mail_delivery.
EMAIL_CHANNEL = "email"


@dataclass(frozen=True)
class Pending:
    id: int
    recipient: str
    text: str
    attempts: int
    suggestion_id: int | None = None
    language: str | None = None  # the suggestion's ("en"), for the e-mail's frame


def _due(now: datetime):
    return (
        Notification.sent_at.is_(None),
        Notification.failed_at.is_(None),
        or_(
            Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now
        ),
        or_(Notification.claimed_until.is_(None), Notification.claimed_until < now),
    )


def claim_due(
    session: Session,
    channel: str,
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
    holder: str,
) -> list[Pending]:
    """Claim up to `limit` due rows of `channel` for `holder`, oldest first."""
    ids = session.scalars(
        select(Notification.id)
        .where(Notification.channel == channel, *_due(now))
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    claimed = []
    for row_id in ids:
        # The same conditions again: another deliverer may have claimed it meanwhile.
        won = session.execute(
            update(Notification)
            .where(Notification.id == row_id, *_due(now))
            .values(claimed_until=now + lease, claimed_by=holder)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won:
            row = session.get(Notification, row_id)
            language = (
                session.scalar(
                    select(Suggestion.language).where(
                        Suggestion.id == row.suggestion_id
                    )
                )
                if row.suggestion_id
                else None
            )
            claimed.append(
                Pending(
                    row.id,
                    row.recipient,
                    row.text,
                    row.attempts,
                    row.suggestion_id,
                    language,
                )
            )
    return claimed


def _set(session: Session, row_id: int, holder: str, **values) -> bool:
    """Change a row this holder has claimed; False if its lease went to another."""
    return bool(
        session.execute(
            update(Notification)
            .where(
                Notification.id == row_id,
                Notification.claimed_by == holder,
                Notification.sent_at.is_(None),
            )
            .values(claimed_until=None, claimed_by=None, **values)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def mark_sent(session: Session, row_id: int, *, now: datetime, holder: str) -> bool:
    return _set(
        session, row_id, holder, sent_at=now, attempts=Notification.attempts + 1
    )


def mark_retry(
    session: Session,
    row_id: int,
    *,
    at: datetime,
    error: str,
    holder: str,
    count_attempt: bool = True,
) -> bool:
    attempts = Notification.attempts + (1 if count_attempt else 0)
    return _set(
        session,
        row_id,
        holder,
        next_attempt_at=at,
        last_error=error[:1000],
        attempts=attempts,
    )


def mark_failed(
    session: Session, row_id: int, *, now: datetime, error: str, holder: str
) -> bool:
    return _set(
        session,
        row_id,
        holder,
        failed_at=now,
        last_error=error[:1000],
        attempts=Notification.attempts + 1,
    )


def move_recipient(session: Session, row_id: int, recipient: str, holder: str) -> bool:
    """The chat moved (a group became a supergroup): send there from now on."""
    return _set(session, row_id, holder, recipient=recipient)


def release(session: Session, row_ids: list[int], holder: str) -> None:
    """Give back claimed rows that were not attempted, e.g. when shutting down."""
    if row_ids:
        session.execute(
            update(Notification)
            .where(
                Notification.id.in_(row_ids),
                Notification.claimed_by == holder,
                Notification.sent_at.is_(None),
            )
            .values(claimed_until=None, claimed_by=None)
            .execution_options(synchronize_session=False)
        )


def purge_before(session: Session, before: datetime) -> int:
    """Delete notifications queued, sent or given up before `before`: they hold
    a chat address and the city's reply. One the widget never showed counts
    too; its citizen has not come back for the whole retention period."""
    old = or_(
        Notification.created_at < before,
        Notification.sent_at < before,
        Notification.failed_at < before,
    )
    return session.execute(
        delete(Notification).where(old).execution_options(synchronize_session=False)
    ).rowcount


def pending_for(
    session: Session, channel: str, recipient: str, limit: int, after: int = 0
) -> list[Notification]:
    """Undelivered notifications of one recipient on a pull channel (the widget),
    oldest first; `after` skips ids a stream has already sent."""
    return list(
        session.scalars(
            select(Notification)
            .where(
                Notification.channel == channel,
                Notification.recipient == recipient,
                Notification.sent_at.is_(None),
                Notification.id > after,
            )
            .order_by(Notification.id)
            .limit(limit)
        )
    )


def mark_seen(
    session: Session, channel: str, recipient: str, ids: list[int], *, now: datetime
) -> int:
    """The widget showed these; only the recipient's own rows change."""
    return session.execute(
        update(Notification)
        .where(
            Notification.id.in_(ids),
            Notification.channel == channel,
            Notification.recipient == recipient,
            Notification.sent_at.is_(None),
        )
        .values(sent_at=now, attempts=Notification.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount


def for_suggestion(session: Session, suggestion_id: int) -> list[Notification]:
    """Every notification about one suggestion, in the order they were queued."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.suggestion_id == suggestion_id)
            .order_by(Notification.id)
        )
    )


def queue(
    session: Session, channel: str, recipient: str, text: str, *, now: datetime
) -> Notification:
    """A message from a person on the team (live chat, callback answer) to a chat."""
    row = Notification(
        channel=channel, recipient=recipient, text=text, created_at=now, attempts=0
    )
    session.add(row)
    session.flush()
    return row


def delete_for_recipient(session: Session, channel: str, recipient: str) -> int:
    """ "Meine Daten löschen": every message waiting for or sent to this chat."""
    return session.execute(
        delete(Notification)
        .where(Notification.channel == channel, Notification.recipient == recipient)
        .execution_options(synchronize_session=False)
    ).rowcount


def discard_unsent_email(session: Session, address: str) -> int:
    """The address was unsubscribed or erased: mail not yet sent to it stays unsent."""
    return session.execute(
        delete(Notification)
        .where(
            Notification.channel == EMAIL_CHANNEL,
            Notification.recipient == address,
            Notification.sent_at.is_(None),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
