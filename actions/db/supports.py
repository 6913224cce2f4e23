"""Support for published suggestions: once per citizen (by pseudonym), with the
suggestion's news through their own channel if they ask for it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from actions.db.models import Suggestion, Support, utcnow
from actions.db.suggestions import CLOSED, by_reference


class NotSupportable(ValueError):
    """`reason`: "unknown", "not_public", "closed" or "own"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def supportable(session: Session, reference: str, sender_key: str) -> Suggestion:
    """The suggestion, if the public may back it and it is not the sender's own."""
    suggestion = by_reference(session, reference)
    if suggestion is None:
        raise NotSupportable("unknown")
    if suggestion.published_at is None or suggestion.hidden_at is not None:
        raise NotSupportable("not_public")  # to others it does not exist
    if suggestion.status in CLOSED:
        raise NotSupportable("closed")
    if suggestion.sender_key == sender_key:
        raise NotSupportable("own")
    return suggestion


def add(
    session: Session,
    reference: str,
    sender_key: str,
    *,
    channel: str,
    reply_to: str | None = None,
    now: datetime | None = None,
) -> tuple[Suggestion, bool]:
    """Back a suggestion once. Returns (suggestion, new); asking for news later
    adds `reply_to` to the existing support."""
    suggestion = supportable(session, reference, sender_key)
    existing = _of(session, suggestion.id, sender_key)
    if existing is None:
        try:
            with session.begin_nested():
                session.add(Support(suggestion_id=suggestion.id, sender_key=sender_key,
                                    channel=channel, reply_to=reply_to,
                                    created_at=now or utcnow()))  # fmt: skip
            return suggestion, True
        except IntegrityError:  # the same citizen twice at once: one row
            existing = _of(session, suggestion.id, sender_key)
    if reply_to and existing is not None:
        existing.reply_to, existing.channel = reply_to, channel
    return suggestion, False


def _of(session: Session, suggestion_id: int, sender_key: str) -> Support | None:
    return session.scalar(
        select(Support).where(
            Support.suggestion_id == suggestion_id, Support.sender_key == sender_key
        )
    )


def counts(session: Session, suggestion_ids: Iterable[int]) -> dict[int, int]:
    ids = list(suggestion_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Support.suggestion_id, func.count(Support.id))
        .where(Support.suggestion_id.in_(ids))
        .group_by(Support.suggestion_id)
    )
    return dict(rows.all())


def count(session: Session, suggestion_id: int) -> int:
    return counts(session, [suggestion_id]).get(suggestion_id, 0)
