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
    """The suggestion, if the public may back it and it is not the sender's own;
    for a duplicate, its published original."""
    suggestion = by_reference(session, reference)
    if suggestion is None:
        raise NotSupportable("unknown")
    if suggestion.published_at is None or suggestion.hidden_at is not None:
        raise NotSupportable("not_public")  # to others it does not exist
    if suggestion.status == "duplikat" and suggestion.duplicate_of_id is not None:
        original = session.get(Suggestion, suggestion.duplicate_of_id)
        public = original is not None and original.published_at is not None
        if public and original.hidden_at is None and original.status not in CLOSED:
            suggestion = original  # its voices count where the work goes on
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


def count_column():
    """Each Suggestion row's number of supports, for sorting and listing."""
    return (
        select(func.count(Support.id))
        .where(Support.suggestion_id == Suggestion.id)
        .correlate(Suggestion)
        .scalar_subquery()
    )


def counts(
    session: Session, suggestion_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Supports per suggestion that has any: of the given ones, or of all."""
    statement = select(Support.suggestion_id, func.count(Support.id)).group_by(
        Support.suggestion_id
    )
    if suggestion_ids is not None:
        ids = list(suggestion_ids)
        if not ids:
            return {}
        statement = statement.where(Support.suggestion_id.in_(ids))
    return dict(session.execute(statement).all())


def move_to_original(
    session: Session, duplicate: Suggestion, original: Suggestion
) -> int:
    """Many voices, one suggestion: the duplicate's supporters, and its author,
    now back the original, with their news. Returns how many were moved."""
    backing = {s.sender_key: s for s in _all(session, original.id)}
    moved = 0
    voices = [
        (s.sender_key, s.channel, s.reply_to, s) for s in _all(session, duplicate.id)
    ]
    voices.append((duplicate.sender_key, duplicate.channel, duplicate.reply_to, None))
    for key, channel, reply_to, support in voices:
        if key == original.sender_key or key in backing:
            if key in backing and reply_to and not backing[key].reply_to:
                backing[key].reply_to, backing[key].channel = reply_to, channel
            if support is not None:
                session.delete(support)
            continue
        if support is None:
            support = Support(sender_key=key, channel=channel, reply_to=reply_to,
                              created_at=utcnow())  # fmt: skip
            session.add(support)
        support.suggestion_id = original.id
        backing[key] = support
        moved += 1
    session.flush()
    return moved


def _all(session: Session, suggestion_id: int) -> list[Support]:
    return list(
        session.scalars(select(Support).where(Support.suggestion_id == suggestion_id))
    )


def count(session: Session, suggestion_id: int) -> int:
    return counts(session, [suggestion_id]).get(suggestion_id, 0)
