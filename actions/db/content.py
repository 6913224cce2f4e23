"""The city's content files, imported into the database idempotently: rows
the files made are updated or removed, rows staff made or edited are kept.
Reading and validating the files is core/content.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from actions.db.models import CONTENT_SOURCE, Event, Project
from core.content import CITYWIDE, Content, EventInEnglish, ProjectIn, ProjectInEnglish


@dataclass(frozen=True)
class ImportReport:
    projects_created: int
    projects_updated: int
    events_created: int
    events_updated: int
    removed: int
    # Rows the staff app created or edited: the files do not overwrite them.
    kept: int = 0

    def __str__(self) -> str:
        text = (
            f"projects: {self.projects_created} new, {self.projects_updated} updated; "
            f"events: {self.events_created} new, {self.events_updated} updated; "
            f"removed: {self.removed}"
        )
        if self.kept:
            text += f"; kept as edited in the staff app: {self.kept}"
        return text


def project_in(project: Project) -> ProjectIn:
    """The stored project in the file's and the form's terms (not revalidated)."""
    return ProjectIn.construct(
        slug=project.slug,
        name=project.name,
        aliases=list(project.aliases),
        summary=project.summary,
        description=project.description,
        topic=project.topic,
        status=project.status,
        district=project.district or CITYWIDE,
        contact=project.contact,
        url=project.url,
        start=project.start_date,
        end=project.end_date,
        en=(
            ProjectInEnglish.construct(
                name=project.name_en,
                summary=project.summary_en or "",
                description=project.description_en,
            )
            if project.name_en
            else None
        ),
    )


def apply_project(project: Project, item: ProjectIn) -> None:
    """Copy a validated project (from a file or the staff form) onto its row."""
    project.slug = item.slug
    project.name = item.name
    project.aliases = list(item.aliases)
    project.summary = item.summary
    project.description = item.description
    project.topic = item.topic
    project.status = item.status
    project.district = item.district
    project.contact = item.contact
    project.url = item.url
    project.start_date = item.start
    project.end_date = item.end
    project.name_en = item.en.name if item.en else None
    project.summary_en = item.en.summary if item.en else None
    project.description_en = (item.en.description or None) if item.en else None


def apply_event_english(event: Event, english: EventInEnglish | None) -> bool:
    """Copy an event's English texts onto its row; returns whether one changed."""
    values = {
        "title_en": english.title if english else None,
        "description_en": (english.description or None) if english else None,
        "registration_en": english.registration if english else None,
    }
    changed = any(getattr(event, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(event, name, value)
    return changed


EVENT_COLUMNS = (
    "title",
    "description",
    "starts_at",
    "ends_at",
    "location",
    "topic",
    "url",
    "registration",
    "project",
)


def apply_event(event: Event, **values) -> bool:
    """Copy an event's fields (from a file, the staff form or iCalendar) onto its row.

    Every column of EVENT_COLUMNS must be given; returns whether one changed.
    """
    if set(values) != set(EVENT_COLUMNS):
        raise TypeError(f"apply_event needs exactly {EVENT_COLUMNS}")
    changed = any(getattr(event, name) != values[name] for name in EVENT_COLUMNS)
    for name in EVENT_COLUMNS:
        setattr(event, name, values[name])
    return changed


def import_content(
    session: Session,
    content: Content,
    *,
    today: date,
    tz: ZoneInfo,
    prune: bool = False,
) -> ImportReport:
    """Upsert projects by slug and events by uid; with prune, drop what the files lack.

    Only rows that came from the files are touched: projects and events made
    or edited in the staff app, and events of iCalendar feeds, stay as they are.
    """
    existing = {p.slug: p for p in session.scalars(select(Project))}
    created = updated = kept = 0
    for item in content.projects:
        project = existing.get(item.slug)
        if project is None:
            project = Project(slug=item.slug, source=CONTENT_SOURCE)
            session.add(project)
            existing[item.slug] = project
            created += 1
        elif project.source != CONTENT_SOURCE or project.staff_edited_at:
            kept += 1
            continue
        else:
            updated += 1
        apply_project(project, item)
    session.flush()

    events = {
        e.uid: e
        for e in session.scalars(select(Event).where(Event.source == CONTENT_SOURCE))
    }
    events_created = events_updated = 0
    for item in content.events:
        event = events.get(item.uid)
        if event is None:
            event = Event(uid=item.uid, source=CONTENT_SOURCE)
            session.add(event)
            events_created += 1
        elif event.staff_edited_at:
            kept += 1
            continue
        else:
            events_updated += 1
        starts_at = item.start_at(today, tz)
        apply_event(
            event,
            title=item.title,
            description=item.description,
            starts_at=starts_at,
            ends_at=(
                starts_at + timedelta(minutes=item.duration_minutes)
                if item.duration_minutes
                else None
            ),
            location=item.location,
            topic=item.topic,
            project=existing[item.project] if item.project else None,
            url=item.url,
            registration=item.registration,
        )
        apply_event_english(event, item.en)

    removed = 0
    if prune:
        from_files = (Event.source == CONTENT_SOURCE, Event.staff_edited_at.is_(None))
        removed += session.execute(
            delete(Event).where(
                *from_files, Event.uid.not_in([e.uid for e in content.events])
            )
        ).rowcount
        removed += session.execute(
            delete(Project).where(
                Project.source == CONTENT_SOURCE,
                Project.staff_edited_at.is_(None),
                Project.slug.not_in([p.slug for p in content.projects]),
            )
        ).rowcount
    return ImportReport(created, updated, events_created, events_updated, removed, kept)


def dump_projects(projects: Iterable[Project]) -> str:
    """projects.yml for the given projects, so that training sees new names."""
    items = []
    for p in projects:
        item = project_in(p).dict()
        if item["en"]:
            item["en"] = {k: v for k, v in item["en"].items() if v}
        order = ("slug", "name", "aliases", "topic", "status", "summary")
        item = {k: item[k] for k in (*order, *(k for k in item if k not in order))}
        items.append(
            {k: v for k, v in item.items() if v not in (None, "", [], CITYWIDE)}
        )
    header = "# Written by `smartcity content export-projects` from the database.\n"
    return header + yaml.safe_dump(
        {"projects": items}, allow_unicode=True, sort_keys=False, width=88
    )
