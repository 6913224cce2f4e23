"""Every query of the project database. Each function takes an open session."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz, process, utils
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from actions.db.models import Event, Project

# Below this WRatio score a name is too far off to offer as "did you mean".
SIMILAR_NAME_CUTOFF = 70


@dataclass(frozen=True)
class Page:
    items: list
    total: int


def _casefold_match(value: str, choices: Iterable[str]) -> str | None:
    wanted = value.strip().casefold()
    return next((c for c in choices if c and c.casefold() == wanted), None)


def canonical_value(session: Session, column, value: str | None) -> str | None:
    """The stored spelling of `value` in `column`, ignoring case; else `value`.

    Done in Python because SQLite's lower() only folds ASCII ("Mobilität").
    """
    if not value:
        return None
    known = session.scalars(select(column).distinct()).all()
    return _casefold_match(value, known) or value


def all_projects(session: Session) -> list[Project]:
    return list(session.scalars(select(Project).order_by(Project.name)))


def find_project(session: Session, name: str) -> Project | None:
    """The project whose name, slug or alias equals `name`, ignoring case."""
    wanted = name.strip().casefold()
    if not wanted:
        return None
    for project in all_projects(session):
        if wanted in {n.casefold() for n in (*project.names, project.slug)}:
            return project
    return None


def similar_projects(session: Session, name: str, limit: int = 3) -> list[Project]:
    """Projects whose names come close to `name`, best first, each once."""
    by_name = {n: p for p in all_projects(session) for n in p.names}
    matches = process.extract(
        name,
        list(by_name),
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=SIMILAR_NAME_CUTOFF,
        limit=limit * 3,
    )
    found: list[Project] = []
    for match, _score, _index in matches:
        project = by_name[match]
        if project not in found:
            found.append(project)
    return found[:limit]


def projects_mentioned_in(session: Session, text: str) -> list[Project]:
    """Projects whose name or an alias appears in `text` as whole words."""
    folded = text.casefold()
    mentioned = []
    for project in all_projects(session):
        for name in project.names:
            if re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", folded):
                mentioned.append(project)
                break
    return mentioned


def project_topics(session: Session) -> list[str]:
    return list(
        session.scalars(select(Project.topic).distinct().order_by(Project.topic))
    )


def list_projects(
    session: Session,
    *,
    topic: str | None = None,
    district: str | None = None,
    status: str | None = None,
    limit: int = 8,
) -> Page:
    """Projects matching every given filter (case-insensitive), sorted by name."""
    query = select(Project)
    for column, value in (
        (Project.topic, topic),
        (Project.district, district),
        (Project.status, status),
    ):
        if value:
            query = query.where(column == canonical_value(session, column, value))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    items = list(session.scalars(query.order_by(Project.name).limit(limit)))
    return Page(items=items, total=total or 0)


def upcoming_events(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    topic: str | None = None,
    project: Project | None = None,
    limit: int = 8,
) -> Page:
    """Events that overlap [start, end), soonest first."""
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
            .order_by(Event.starts_at, Event.title)
            .limit(limit)
        )
    )
    return Page(items=items, total=total or 0)
