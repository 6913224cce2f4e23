"""Queries and writes of events. Each function takes an open session."""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from actions.db.audit import record
from actions.db.content import apply_event, apply_event_english
from actions.db.models import STAFF_SOURCE, Event, Project, utcnow
from actions.db.projects import Page, by_slug, canonical_value
from core.content import EventInEnglish


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
        event = Event(uid=f"staff-{secrets.token_hex(8)}", source=STAFF_SOURCE)
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
