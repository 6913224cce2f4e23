"""Photos of a suggestion: waiting for the sender's form, attached, erased.

What arrives is budgeted per hour, by count and by bytes: per client address
(a keyed hash of it, core.secret_key.address_key) and for everyone together,
whether the photos still wait or went with a suggestion, since sending the
form must not free the budget. Waiting photos expire within the hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from actions.db.models import Photo, Suggestion, utcnow
from actions.db.session import take_turns

PER_SUGGESTION = 3
# A photo whose form is not sent by then is gone; the sweep (every few
# minutes, bot.shared.expiry) removes it well within the hour.
PENDING_LIFETIME = timedelta(minutes=50)
# What the budgets count: photos received in the last hour.
BUDGET_WINDOW = timedelta(hours=1)


class TooManyPhotos(Exception):
    """The sender already has PER_SUGGESTION photos waiting."""


@dataclass(frozen=True)
class Budget:
    photos: int
    bytes: int


@dataclass(frozen=True)
class Budgets:
    per_address: Budget
    overall: Budget


@dataclass(frozen=True)
class Usage:
    photos: int
    bytes: int

    def allows(self, size: int, budget: Budget) -> bool:
        """Whether one more photo of `size` bytes stays within `budget`."""
        return self.photos < budget.photos and self.bytes + size <= budget.bytes


class OverBudget(Exception):
    """`scope`: "address" (one client address) or "overall" (everyone)."""

    def __init__(self, scope: str, usage: Usage) -> None:
        super().__init__(scope)
        self.scope = scope
        self.usage = usage


@dataclass(frozen=True)
class PhotoInfo:
    id: int
    width: int
    height: int


def _waiting(now: datetime):
    return Photo.suggestion_id.is_(None) & (Photo.created_at >= now - PENDING_LIFETIME)


def pending_count(
    session: Session, sender_key: str, *, now: datetime | None = None
) -> int:
    waiting = _waiting(now or utcnow())
    return session.scalar(
        select(func.count(Photo.id)).where(Photo.sender_key == sender_key, waiting)
    )


def received(
    session: Session, *, since: datetime, address_key: str | None = None
) -> Usage:
    """Photos received since `since`, from one address or from everyone."""
    statement = select(
        func.count(Photo.id), func.coalesce(func.sum(func.length(Photo.content)), 0)
    ).where(Photo.created_at >= since)
    if address_key is not None:
        statement = statement.where(Photo.address_key == address_key)
    photos, size = session.execute(statement).one()
    return Usage(photos, int(size))


def check_budgets(
    session: Session,
    address_key: str | None,
    budgets: Budgets,
    *,
    size: int,
    now: datetime,
) -> None:
    """OverBudget if one more photo of `size` bytes does not fit."""
    since = now - BUDGET_WINDOW
    if address_key is not None:
        mine = received(session, since=since, address_key=address_key)
        if not mine.allows(size, budgets.per_address):
            raise OverBudget("address", mine)
    everyone = received(session, since=since)
    if not everyone.allows(size, budgets.overall):
        raise OverBudget("overall", everyone)


def add_pending(
    session: Session,
    sender_key: str,
    *,
    content: bytes,
    media_type: str,
    width: int,
    height: int,
    now: datetime,
    address_key: str | None = None,
    budgets: Budgets | None = None,
) -> int:
    """Keep a cleaned photo for the sender's next suggestion; returns how many
    now wait. The limits are checked in turn with other writers, in the same
    transaction as the insert, so a flood in parallel gets no photo more.
    The channels pass `budgets`; without, only the sender's limit holds."""
    take_turns(session, "suggestion_photos")
    waiting = pending_count(session, sender_key, now=now)
    if waiting >= PER_SUGGESTION:
        raise TooManyPhotos
    if budgets is not None:
        check_budgets(session, address_key, budgets, size=len(content), now=now)
    session.add(
        Photo(
            sender_key=sender_key,
            address_key=address_key,
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
        Photo.sender_key == suggestion.sender_key, _waiting(suggestion.created_at)
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


def expire(session: Session, *, now: datetime) -> int:
    """Waiting photos past their lifetime go; the address key of the others
    goes once their hour of budget is over. Returns how many photos went."""
    session.execute(
        update(Photo)
        .where(Photo.address_key.is_not(None), Photo.created_at < now - BUDGET_WINDOW)
        .values(address_key=None)
        .execution_options(synchronize_session=False)
    )
    return session.execute(
        delete(Photo)
        .where(Photo.suggestion_id.is_(None), Photo.created_at < now - PENDING_LIFETIME)
        .execution_options(synchronize_session=False)
    ).rowcount
