"""The public board: published suggestions as anyone may see them.

Only what staff made public leaves here: the public title, topic, district,
status, the replies staff wrote for the board and the support count; never
the citizen's text, place, photos or contact, nor a reply meant for them alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.db import supports
from actions.db.models import StatusChange, Suggestion
from actions.db.suggestions import STATUS_LABELS

PER_PAGE = 20
SORTS = ("neu", "unterstuetzt")


@dataclass(frozen=True)
class Reply:
    at: datetime
    status: str
    text: str


@dataclass(frozen=True)
class Entry:
    reference: str
    title: str
    topic: str
    district: str | None
    status: str
    published_at: datetime
    supporters: int
    replies: tuple[Reply, ...] = ()


@dataclass(frozen=True)
class Filters:
    topic: str | None = None
    district: str | None = None
    status: str | None = None
    sort: str = "neu"
    page: int = 1


def public():
    """Where a suggestion is on the board: published and not hidden as spam."""
    return (Suggestion.published_at.is_not(None), Suggestion.hidden_at.is_(None))


def page(session: Session, filters: Filters) -> tuple[list[Entry], int]:
    """One page of entries and the number of all that match."""
    where = [*public()]
    if filters.topic:
        where.append(Suggestion.topic == filters.topic)
    if filters.district:
        where.append(Suggestion.district == filters.district)
    if filters.status:
        where.append(Suggestion.status == filters.status)
    total = session.scalar(select(func.count(Suggestion.id)).where(*where)) or 0
    supporters = supports.count_column().label("supporters")
    order = (
        (supporters.desc(), Suggestion.published_at.desc())
        if filters.sort == "unterstuetzt"
        else (Suggestion.published_at.desc(),)
    )
    rows = session.execute(
        select(Suggestion, supporters)
        .where(*where)
        .order_by(*order, Suggestion.id.desc())
        .offset((filters.page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    return [entry_of(s, count) for s, count in rows], total


def entry(session: Session, reference: str) -> Entry | None:
    """One published suggestion with the replies staff wrote for everyone,
    oldest first."""
    row = session.execute(
        select(Suggestion, supports.count_column()).where(
            Suggestion.reference == reference, *public()
        )
    ).first()
    if row is None:
        return None
    suggestion, count = row
    replies = session.execute(
        select(
            StatusChange.changed_at, StatusChange.to_status, StatusChange.public_note
        )
        .where(
            StatusChange.suggestion_id == suggestion.id,
            StatusChange.public_note.is_not(None),
            StatusChange.on_board.is_(True),
        )
        .order_by(StatusChange.changed_at, StatusChange.id)
    ).all()
    return entry_of(suggestion, count, tuple(Reply(*r) for r in replies))


def choices(session: Session) -> dict[str, list[str]]:
    """Topics, districts and statuses that published suggestions have."""

    def distinct(column) -> list[str]:
        values = session.scalars(select(column).where(*public()).distinct())
        return sorted(v for v in values if v)

    statuses = set(distinct(Suggestion.status))
    return {
        "topics": distinct(Suggestion.topic),
        "districts": distinct(Suggestion.district),
        "statuses": [s for s in STATUS_LABELS if s in statuses],
    }


def entry_of(suggestion: Suggestion, count: int, replies=()) -> Entry:
    return Entry(
        reference=suggestion.reference,
        title=suggestion.public_title or suggestion.reference,
        topic=suggestion.topic,
        district=suggestion.district,
        status=suggestion.status,
        published_at=suggestion.published_at,
        supporters=count or 0,
        replies=replies,
    )
