"""City content in YAML files, read and validated; no database here (the
import into it is actions/db/content.py), so that nlu/ may read it too.

A content directory holds topics.yml, districts.yml, statuses.yml, projects.yml,
events.yml and contact.yml. Events may be dated relative to the import day, so that example
content always has upcoming events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, Field, ValidationError, root_validator, validator

from core.office_hours import STATES, WEEKDAYS, OfficeHours, parse_spans
from core.places import Position

CITYWIDE = "stadtweit"
HTTP_URL = r"^https?://\S+$"  # links shown to citizens: web pages only


class ContentError(ValueError):
    """Content files that cannot be imported; the message names file and entry."""


class _Strict(BaseModel):
    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True
        min_anystr_length = 1


class InEnglish(_Strict):
    """A topic's or a status's name in English (issue 34)."""

    name: str = Field(max_length=80)
    description: str = ""


class Topic(_Strict):
    name: str = Field(max_length=80)
    aliases: list[str] = []
    description: str = ""
    en: InEnglish | None = None


class Status(_Strict):
    """A stage of a project; the NLU gazetteer maps the aliases to the name."""

    name: str = Field(max_length=80)
    aliases: list[str] = []
    en: InEnglish | None = None


class ProjectInEnglish(_Strict):
    name: str = Field(max_length=200)
    summary: str
    description: str | None = None


class EventInEnglish(_Strict):
    title: str = Field(max_length=300)
    description: str | None = None
    registration: str | None = None


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
    en: ProjectInEnglish | None = None

    @root_validator(skip_on_failure=True)
    def _end_after_start(cls, values: dict) -> dict:
        if values["start"] and values["end"] and values["end"] < values["start"]:
            raise ValueError("end lies before start")
        return values


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
    en: EventInEnglish | None = None

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
    aliases: list[str] = []  # other names people use ("downtown" for Innenstadt)
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
    # name -> other names ("downtown" for Innenstadt), for the NLU.
    district_aliases: dict[str, list[str]] = field(default_factory=dict)


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
    district_entries = load_districts(directory)
    districts = [d.name for d in district_entries]
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
    _unique(
        directory / "districts.yml",
        "district name or alias",
        [n for d in district_entries for n in (d.name, *d.aliases)],
    )
    aliases = {d.name: d.aliases for d in district_entries if d.aliases}
    return Content(topics, districts, statuses, projects, events, contact, aliases)
