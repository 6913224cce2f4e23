"""Queries and writes of events. Each function takes an open session."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from actions.db.audit import record
from actions.db.content import apply_event, apply_event_english
from actions.db.ics import OCCURRENCE
from actions.db.models import STAFF_SOURCE, Event, Project, utcnow
from actions.db.projects import Page, by_slug, canonical_value
from core.content import EventInEnglish

# A series made in the staff form is its dates, one event each, keyed like a
# feed's dates: "staff-<random>#<start in UTC>". The part before "#" groups them.
SERIES_MARK = "#"


class EventError(ValueError):
    """A change staff cannot make; the message says why in German."""


def upcoming_events(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    topic: str | None = None,
    project: Project | None = None,
    limit: int = 8,
    offset: int = 0,
) -> Page:
    """Events that overlap [start, end), soonest first; `offset` skips the
    ones a list has shown already."""
    query = select(Event).where(
        Event.starts_at < end,
        func.coalesce(Event.ends_at, Event.starts_at) >= start,
    )
    if topic:
        query = query.where(Event.topic == canonical_value(session, Event.topic, topic))
    if project is not None:
        query = query.where(Event.project_id == project.id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    items = list(
        session.scalars(
            query.options(selectinload(Event.project))
            .order_by(Event.starts_at, Event.title, Event.id)
            .offset(offset)
            .limit(limit)
        )
    )
    return Page(items=items, total=total or 0)


def since(session: Session, start: datetime) -> list[Event]:
    """Events from `start` on, soonest first, for the staff list."""
    return list(
        session.scalars(
            select(Event)
            .where(Event.starts_at >= start)
            .options(selectinload(Event.project))
            .order_by(Event.starts_at)
        )
    )


def by_id(session: Session, event_id: int) -> Event | None:
    return session.get(Event, event_id)


def made_in_staff_app(event: Event) -> bool:
    """Made in the staff form, not taken from the content files or a feed,
    whose next import would bring a deleted event back."""
    return event.source == STAFF_SOURCE


def series_key(event: Event) -> str | None:
    """The series a staff-made date belongs to; None for a single event.

    A feed's series is not one here: the feed owns its dates.
    """
    if not made_in_staff_app(event) or SERIES_MARK not in event.uid:
        return None
    return event.uid.rpartition(SERIES_MARK)[0]


def series_of(session: Session, event: Event) -> list[Event]:
    """Every date of the event's series, soonest first; the event alone if none."""
    key = series_key(event)
    if key is None:
        return [event]
    return list(
        session.scalars(
            select(Event)
            .where(
                Event.source == STAFF_SOURCE,
                Event.uid.startswith(key + SERIES_MARK, autoescape=True),
            )
            .order_by(Event.starts_at)
        )
    )


def form_values(event: Event, tz: ZoneInfo) -> dict[str, str]:
    """The staff form's fields of an event, and its audit record."""
    start = event.starts_at.astimezone(tz)
    minutes = (
        int((event.ends_at - event.starts_at).total_seconds() // 60)
        if event.ends_at
        else ""
    )
    return {
        "title": event.title,
        "day": start.date().isoformat(),
        "time": start.strftime("%H:%M"),
        "duration": str(minutes),
        "location": event.location or "",
        "topic": event.topic or "",
        "project": event.project.slug if event.project else "",
        "description": event.description,
        "url": event.url or "",
        "registration": event.registration or "",
        "title_en": event.title_en or "",
        "description_en": event.description_en or "",
        "registration_en": event.registration_en or "",
    }


def save(
    session: Session,
    event_id: int | None,
    fields: dict,
    project_slug: str,
    *,
    english: EventInEnglish | None = None,
    actor: str,
    tz: ZoneInfo,
) -> list[str]:
    """Create or update from the staff form, audited; returns problems in German."""
    event = by_id(session, event_id) if event_id else None
    if event_id and event is None:
        return ["Diesen Termin gibt es nicht mehr."]
    before = form_values(event, tz) if event else None
    if event is None:
        event = Event(uid=_new_uid(), source=STAFF_SOURCE)
        session.add(event)
    else:
        event.staff_edited_at = utcnow()  # imports no longer overwrite it
    project: Project | None = by_slug(session, project_slug) if project_slug else None
    apply_event(event, **fields, project=project)
    apply_event_english(event, english)
    session.flush()
    record(
        session,
        actor,
        "event_updated" if before else "event_created",
        "event",
        event.uid,
        before,
        form_values(event, tz),
    )
    return []


def create_series(
    session: Session,
    starts: list[datetime],
    fields: dict,
    project_slug: str,
    *,
    english: EventInEnglish | None = None,
    actor: str,
    tz: ZoneInfo,
) -> str:
    """One event per start with the form's fields, audited once; the series key."""
    key = _new_uid()
    length = fields["ends_at"] - fields["starts_at"] if fields["ends_at"] else None
    project: Project | None = by_slug(session, project_slug) if project_slug else None
    created = []
    for start in starts:
        uid = OCCURRENCE.format(uid=key, start=start.astimezone(timezone.utc))
        event = Event(uid=uid, source=STAFF_SOURCE)
        dated = {"starts_at": start, "ends_at": start + length if length else None}
        apply_event(event, **{**fields, **dated}, project=project)
        apply_event_english(event, english)
        session.add(event)
        created.append(event)
    session.flush()
    dates = [event.starts_at.isoformat() for event in created]
    after = {**form_values(created[0], tz), "dates": dates}
    record(session, actor, "event_series_created", "event", key, None, after)
    return key


def delete(
    session: Session, event_id: int, *, whole_series: bool, actor: str, tz: ZoneInfo
) -> int:
    """Delete a staff-made date, or every date of its series, audited; how many.

    Events of the content files or of a feed are refused: their next import
    would bring them back.
    """
    event = by_id(session, event_id)
    if event is None:
        raise EventError("Diesen Termin gibt es nicht mehr.")
    if not made_in_staff_app(event):
        raise EventError(
            "Dieser Termin stammt aus den Inhaltsdateien oder einem Kalender. "
            "Bitte löschen Sie ihn dort, sonst kommt er beim nächsten Import wieder."
        )
    key = series_key(event) if whole_series else None
    gone = series_of(session, event) if key else [event]
    before = form_values(event, tz)
    if key:
        before["dates"] = [each.starts_at.isoformat() for each in gone]
    action = "event_series_deleted" if key else "event_deleted"
    record(session, actor, action, "event", key or event.uid, before, None)
    for each in gone:
        session.delete(each)
    return len(gone)


def _new_uid() -> str:
    return f"staff-{secrets.token_hex(8)}"
