"""Queries and writes of projects. Each function takes an open session."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from actions.db.audit import record
from actions.db.content import apply_project, project_in
from actions.db.models import STAFF_SOURCE, Project, utcnow
from core.content import Content, ProjectIn

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


def any_project(session: Session) -> bool:
    return session.scalar(select(Project.id).limit(1)) is not None


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
    offset: int = 0,
) -> Page:
    """Projects matching every given filter (case-insensitive), sorted by name;
    `offset` skips the ones a list has shown already."""
    query = select(Project)
    for column, value in (
        (Project.topic, topic),
        (Project.district, district),
        (Project.status, status),
    ):
        if value:
            query = query.where(column == canonical_value(session, column, value))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    items = list(
        session.scalars(
            query.order_by(Project.name, Project.id).offset(offset).limit(limit)
        )
    )
    return Page(items=items, total=total or 0)


def by_slug(session: Session, slug: str) -> Project | None:
    return session.scalar(select(Project).where(Project.slug == slug))


def choices(session: Session) -> list[tuple[str, str]]:
    """(slug, name) of every project, for a form's select list."""
    return [(p.slug, p.name) for p in all_projects(session)]


def untrained_names(session: Session, content: Content) -> list[str]:
    """Project names in the database that the content files (and so the
    gazetteer of the next training) do not know yet."""
    known = {n.casefold() for p in content.projects for n in (p.name, *p.aliases)}
    names = [n for p in all_projects(session) for n in p.names]
    return sorted(n for n in names if n.casefold() not in known)


def form_values(project: Project) -> dict[str, str]:
    """The staff form's fields of a project, and its audit record."""
    item = project_in(project)
    return {
        "slug": item.slug,
        "name": item.name,
        "aliases": ", ".join(item.aliases),
        "summary": item.summary,
        "description": item.description,
        "topic": item.topic,
        "status": item.status,
        "district": item.district,
        "contact": item.contact or "",
        "url": item.url or "",
        "start": item.start.isoformat() if item.start else "",
        "end": item.end.isoformat() if item.end else "",
        "name_en": item.en.name if item.en else "",
        "summary_en": item.en.summary if item.en else "",
        "description_en": (item.en.description or "") if item.en else "",
    }


def save(
    session: Session, slug: str | None, item: ProjectIn, actor: str
) -> tuple[list[str], set[str]]:
    """Create or update from the staff form, audited.

    Returns (problems in German, names that are new to the assistant).
    """
    project = by_slug(session, slug) if slug else None
    taken = {
        n.casefold(): p.name
        for p in all_projects(session)
        if p is not project
        for n in p.names
    }
    clashes = [n for n in (item.name, *item.aliases) if n.casefold() in taken]
    if clashes:
        return [
            f"„{n}“ ist schon ein Name von „{taken[n.casefold()]}“." for n in clashes
        ], set()
    before = form_values(project) if project else None
    names_before = set(project.names) if project else set()
    if project is None:
        project = Project(slug=item.slug, source=STAFF_SOURCE)
        session.add(project)
    else:
        project.staff_edited_at = utcnow()  # content imports no longer overwrite it
    apply_project(project, item)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        return ["Dieser Name oder Kurzname ist schon vergeben."], set()
    record(
        session,
        actor,
        "project_updated" if before else "project_created",
        "project",
        project.slug,
        before,
        form_values(project),
    )
    return [], set(project.names) - names_before
