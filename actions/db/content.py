"""City content in YAML files: validation and idempotent import into the database.

A content directory holds topics.yml, districts.yml, statuses.yml, projects.yml,
events.yml and contact.yml. Events may be dated relative to the import day, so that example
content always has upcoming events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, Field, ValidationError, root_validator, validator
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from actions.db.models import CONTENT_SOURCE, Event, Project
from actions.db.office_hours import STATES, WEEKDAYS, OfficeHours, parse_spans
from actions.db.places import Position

CITYWIDE = "stadtweit"
HTTP_URL = r"^https?://\S+$"  # links shown to citizens: web pages only


class ContentError(ValueError):
    """Content files that cannot be imported; the message names file and entry."""


class _Strict(BaseModel):
    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True
        min_anystr_length = 1


class Topic(_Strict):
    name: str = Field(max_length=80)
    aliases: list[str] = []
    description: str = ""


class Status(_Strict):
    """A stage of a project; the NLU gazetteer maps the aliases to the name."""

    name: str = Field(max_length=80)
    aliases: list[str] = []


class ProjectIn(_Strict):
    slug: str = Field(regex=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)
    name: str = Field(max_length=200)
    aliases: list[str] = []
    summary: str
    description: str = ""
    topic: str
    status: str = Field(max_length=80)  # a name of statuses.yml
    district: str = CITYWIDE
    contact: str | None = Field(None, max_length=300)
    url: str | None = Field(None, regex=HTTP_URL, max_length=500)
    start: date | None = None
    end: date | None = None

    @root_validator(skip_on_failure=True)
    def _end_after_start(cls, values: dict) -> dict:
        if values["start"] and values["end"] and values["end"] < values["start"]:
            raise ValueError("end lies before start")
        return values

    @classmethod
    def from_row(cls, project: Project) -> ProjectIn:
        """The stored project in the file's and the form's terms (not revalidated)."""
        return cls.construct(
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
        )


class EventIn(_Strict):
    uid: str = Field(max_length=200)
    title: str = Field(max_length=300)
    description: str = ""
    # Either an absolute start, or a start relative to the import day.
    start: datetime | None = None
    in_days: int | None = Field(None, ge=0, le=366)
    weekday: Literal[WEEKDAYS] | None = None  # type: ignore[valid-type]
    time: clock_time | None = None
    duration_minutes: int | None = Field(None, ge=1, le=60 * 24 * 14)
    location: str | None = Field(None, max_length=300)
    topic: str | None = None
    project: str | None = None
    url: str | None = Field(None, regex=HTTP_URL, max_length=500)
    registration: str | None = None

    @validator("time", pre=True)
    def _quoted_time(cls, value: object) -> object:
        # YAML 1.1 reads an unquoted 10:00 as the number 600.
        if isinstance(value, int):
            raise ValueError('write the time in quotes, e.g. "10:00"')
        return value

    @root_validator(skip_on_failure=True)
    def _one_kind_of_date(cls, values: dict) -> dict:
        if values["start"] is None and values["in_days"] is None:
            raise ValueError("give either 'start' or 'in_days'")
        if values["start"] is not None and values["in_days"] is not None:
            raise ValueError("give 'start' or 'in_days', not both")
        if values["in_days"] is not None and values["time"] is None:
            raise ValueError("a relative event ('in_days') needs a 'time'")
        return values

    def start_at(self, today: date, tz: ZoneInfo) -> datetime:
        if self.start is not None:
            return self.start if self.start.tzinfo else self.start.replace(tzinfo=tz)
        day = today + timedelta(days=self.in_days)
        if self.weekday is not None:
            day += timedelta(days=(WEEKDAYS.index(self.weekday) - day.weekday()) % 7)
        return datetime.combine(day, self.time, tzinfo=tz)


class District(_Strict):
    """A district (Stadtteil); `at` is an optional point in it (latitude, longitude),
    from which a shared location's district is derived."""

    name: str = Field(max_length=80)
    at: tuple[float, float] | None = None

    @validator("at")
    def _on_earth(cls, value: tuple[float, float] | None) -> object:
        if value is not None and Position.parse(*value) is None:
            raise ValueError(
                "give [latitude, longitude] in degrees, e.g. [49.44, 7.77]"
            )
        return value

    @property
    def position(self) -> Position | None:
        return Position.parse(*self.at) if self.at else None


class Contact(_Strict):
    organisation: str
    office: str | None = None
    email: str = Field(regex=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = None
    address: str | None = None
    hours: str | None = None
    url: str | None = Field(None, regex=HTTP_URL)
    privacy_url: str | None = Field(None, regex=HTTP_URL)
    privacy_contact: str | None = None
    # For the live chat: "Mo".."So" -> "09:00-16:00" (several: "09:00-12:00,
    # 13:00-16:00"), closed on the public holidays of `holidays_state` ("RP").
    opening_hours: dict[str, str] = {}
    holidays_state: str | None = None
    example: bool = False

    @validator("opening_hours")
    def _known_days_and_spans(cls, value: dict[str, str]) -> dict[str, str]:
        for day, spans in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"{day!r} is no weekday; use {', '.join(WEEKDAYS)}")
            parse_spans(spans)
        return value

    @validator("holidays_state")
    def _known_state(cls, value: str | None) -> str | None:
        if value is not None and value not in STATES:
            raise ValueError(f"{value!r} is no federal state; use {sorted(STATES)}")
        return value

    def office_hours(self, timezone: str) -> OfficeHours:
        weekly = {
            WEEKDAYS.index(day): parse_spans(spans)
            for day, spans in self.opening_hours.items()
        }
        return OfficeHours(weekly, self.holidays_state, timezone)

    @property
    def hours_text(self) -> str | None:
        """The hours as people read them: the file's text, else from the table."""
        return self.hours or self.office_hours("UTC").describe_week() or None


@dataclass(frozen=True)
class Content:
    topics: list[Topic]
    districts: list[str]
    statuses: list[Status]
    projects: list[ProjectIn]
    events: list[EventIn]
    contact: Contact


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


def _read_yaml(path: Path, key: str) -> object:
    if not path.is_file():
        raise ContentError(f"{path}: file is missing")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ContentError(f"{path}: not UTF-8 text ({error.reason})") from None
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(document, dict) or key not in document:
        raise ContentError(f"{path}: expected a mapping with the key '{key}'")
    return document[key]


def _parse(path: Path, key: str, model: type[BaseModel]) -> list:
    entries = _read_yaml(path, key)
    if not isinstance(entries, list):
        raise ContentError(f"{path}: '{key}' must be a list")
    return _parse_entries(path, entries, model)


def _parse_entries(path: Path, entries: list, model: type[BaseModel]) -> list:
    parsed = []
    for index, entry in enumerate(entries, start=1):
        label = None
        if isinstance(entry, dict):
            label = entry.get("slug") or entry.get("uid") or entry.get("name")
        try:
            parsed.append(model.parse_obj(entry))
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()
            )
            raise ContentError(
                f"{path}: entry {index} ({label or '?'}): {problems}"
            ) from None
    return parsed


def _unique(path: Path, kind: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        folded = value.casefold()
        if folded in seen:
            raise ContentError(f"{path}: {kind} '{value}' appears more than once")
        seen.add(folded)


def load_topics(directory: Path) -> list[Topic]:
    return _parse(directory / "topics.yml", "topics", Topic)


def load_districts(directory: Path) -> list[District]:
    """The districts, each a name or a mapping {name, at}; names are unique."""
    path = directory / "districts.yml"
    entries = _read_yaml(path, "districts")
    if not isinstance(entries, list):
        raise ContentError(f"{path}: 'districts' must be a list")
    # A plain name is the short form of {name: ...}.
    named = [{"name": e} if isinstance(e, str) else e for e in entries]
    districts = _parse_entries(path, named, District)
    _unique(path, "district", [d.name for d in districts])
    return districts


def load_contact(directory: Path) -> Contact:
    path = directory / "contact.yml"
    try:
        return Contact.parse_obj(_read_yaml(path, "contact"))
    except ValidationError as error:
        raise ContentError(f"{path}: {error}") from None


def load_content(directory: Path) -> Content:
    """Read and cross-check every content file, or raise ContentError."""
    if not directory.is_dir():
        raise ContentError(f"{directory}: not a directory")
    topics = load_topics(directory)
    districts = [d.name for d in load_districts(directory)]
    statuses = _parse(directory / "statuses.yml", "statuses", Status)
    projects = _parse(directory / "projects.yml", "projects", ProjectIn)
    events = _parse(directory / "events.yml", "events", EventIn)
    contact = load_contact(directory)

    projects_path, events_path = directory / "projects.yml", directory / "events.yml"
    _unique(directory / "topics.yml", "topic", [t.name for t in topics])
    _unique(
        directory / "topics.yml",
        "topic name or alias",
        [n for t in topics for n in (t.name, *t.aliases)],
    )
    _unique(
        directory / "statuses.yml",
        "status name or alias",
        [n for st in statuses for n in (st.name, *st.aliases)],
    )
    _unique(projects_path, "slug", [p.slug for p in projects])
    _unique(
        projects_path,
        "name or alias",
        [n for p in projects for n in (p.name, *p.aliases)],
    )
    _unique(events_path, "uid", [e.uid for e in events])
    topic_names = {t.name for t in topics}
    district_names = {*districts, CITYWIDE}
    status_names = {st.name for st in statuses}
    slugs = {p.slug for p in projects}
    for p in projects:
        if p.topic not in topic_names:
            raise ContentError(f"{projects_path}: {p.slug}: unknown topic '{p.topic}'")
        if p.status not in status_names:
            raise ContentError(
                f"{projects_path}: {p.slug}: unknown status '{p.status}'"
            )
        if p.district not in district_names:
            raise ContentError(
                f"{projects_path}: {p.slug}: unknown district '{p.district}'"
            )
    for e in events:
        if e.topic and e.topic not in topic_names:
            raise ContentError(f"{events_path}: {e.uid}: unknown topic '{e.topic}'")
        if e.project and e.project not in slugs:
            raise ContentError(
                f"{events_path}: {e.uid}: unknown project slug '{e.project}'"
            )
    return Content(topics, districts, statuses, projects, events, contact)


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
        item = ProjectIn.from_row(p).dict()
        order = ("slug", "name", "aliases", "topic", "status", "summary")
        item = {k: item[k] for k in (*order, *(k for k in item if k not in order))}
        items.append(
            {k: v for k, v in item.items() if v not in (None, "", [], CITYWIDE)}
        )
    header = "# Written by `smartcity content export-projects` from the database.\n"
    return header + yaml.safe_dump(
        {"projects": items}, allow_unicode=True, sort_keys=False, width=88
    )
