"""Photos of a suggestion: waiting for the sender's form, attached, erased."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from actions.db.models import Photo, Suggestion

PER_SUGGESTION = 3
# A photo whose form is never sent is gone with the next purge after this.
PENDING_LIFETIME = timedelta(hours=24)


class TooManyPhotos(Exception):
    """The sender already has PER_SUGGESTION photos waiting."""


@dataclass(frozen=True)
class PhotoInfo:
    id: int
    width: int
    height: int


def pending_count(session: Session, sender_key: str) -> int:
    return session.scalar(
        select(func.count(Photo.id)).where(
            Photo.sender_key == sender_key, Photo.suggestion_id.is_(None)
        )
    )


def add_pending(
    session: Session,
    sender_key: str,
    *,
    content: bytes,
    media_type: str,
    width: int,
    height: int,
    now: datetime,
) -> int:
    """Keep a cleaned photo for the sender's next suggestion; returns how many
    now wait. The count is checked in the same transaction as the insert."""
    waiting = pending_count(session, sender_key)
    if waiting >= PER_SUGGESTION:
        raise TooManyPhotos
    session.add(
        Photo(
            sender_key=sender_key,
            content=content,
            media_type=media_type,
            width=width,
            height=height,
            created_at=now,
        )
    )
    session.flush()
    return waiting + 1


def attach_pending(session: Session, suggestion: Suggestion) -> int:
    """Give the sender's waiting photos to their new suggestion."""
    waiting = select(Photo.id).where(
        Photo.sender_key == suggestion.sender_key, Photo.suggestion_id.is_(None)
    )
    ids = session.scalars(waiting.order_by(Photo.id).limit(PER_SUGGESTION)).all()
    if not ids:
        return 0
    return session.execute(
        update(Photo)
        .where(Photo.id.in_(ids))
        .values(suggestion_id=suggestion.id)
        .execution_options(synchronize_session=False)
    ).rowcount


def discard_pending(session: Session, sender_key: str) -> int:
    """A cancelled form leaves no photo behind."""
    return session.execute(
        delete(Photo).where(
            Photo.sender_key == sender_key, Photo.suggestion_id.is_(None)
        )
    ).rowcount


def of_suggestion(session: Session, suggestion_id: int) -> list[PhotoInfo]:
    rows = session.execute(
        select(Photo.id, Photo.width, Photo.height)
        .where(Photo.suggestion_id == suggestion_id)
        .order_by(Photo.id)
    ).all()
    return [PhotoInfo(*row) for row in rows]


def counts(session: Session) -> dict[int, int]:
    """Photos per suggestion that has any, for the CSV export."""
    rows = session.execute(
        select(Photo.suggestion_id, func.count(Photo.id))
        .where(Photo.suggestion_id.is_not(None))
        .group_by(Photo.suggestion_id)
    ).all()
    return dict(rows)


def content(session: Session, suggestion_id: int, photo_id: int) -> Photo | None:
    """One photo of one suggestion; a photo id of another suggestion is None."""
    return session.scalar(
        select(Photo).where(Photo.id == photo_id, Photo.suggestion_id == suggestion_id)
    )


def purge(session: Session, *, now: datetime, closed_before: datetime) -> int:
    """Photos of suggestions closed before the cutoff (they may show people or
    number plates), and waiting photos whose form was never sent."""
    closed = select(Suggestion.id).where(Suggestion.closed_at < closed_before)
    stale = Photo.suggestion_id.is_(None) & (Photo.created_at < now - PENDING_LIFETIME)
    return session.execute(
        delete(Photo)
        .where(Photo.suggestion_id.in_(closed) | stale)
        .execution_options(synchronize_session=False)
    ).rowcount
