"""Import of events from an iCalendar (.ics) file, idempotent by UID.

A recurring event (RRULE, RDATE, EXDATE, moved or cancelled dates) is stored
as its dates within RECURRENCE_DAYS: one row per date, keyed by the UID and
the date's start, so the event list and "nächste Sprechstunde" name the next
real date. recurring-ical-events expands them, time zones included.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.db.audit import record
from actions.db.content import apply_event
from actions.db.models import Event, ics_source
from core.content import HTTP_URL

logger = logging.getLogger(__name__)
URL = re.compile(HTTP_URL)

# Dates of a recurring event from today on; a weekly series that runs for
# years stays a few dozen rows, and a feed cannot fill the table.
RECURRENCE_DAYS = 90
MAX_DATES_PER_EVENT = 60
MAX_DATES_PER_FEED = 20_000
# The occurrence's own key: the series' UID and its start in UTC.
OCCURRENCE = "{uid}#{start:%Y%m%dT%H%M%SZ}"
MAX_UID = 200 - len("#20260101T000000Z")


class IcsError(ValueError):
    """The file is no iCalendar file; the message says so in German."""


@dataclass
class IcsReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"{self.created} neu, {self.updated} geändert, {self.unchanged} "
            f"unverändert, {self.removed} abgesagt und entfernt"
        )
        if self.skipped:
            text += f", {len(self.skipped)} übersprungen"
        return text


def _text(component, name: str, limit: int) -> str | None:
    value = component.get(name)
    text = " ".join(str(value).split()) if value is not None else ""
    return text[:limit] or None


def _moment(value: date | datetime, tz: ZoneInfo) -> datetime:
    """All-day dates start at local midnight; floating times are local."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time.min, tz)
    return value if value.tzinfo else value.replace(tzinfo=tz)


def _topic(component, topics: dict[str, str]) -> str | None:
    for category in getattr(component, "categories", []) or []:
        name = topics.get(str(category).strip().casefold())
        if name:
            return name
    return None


def _fields(component, tz: ZoneInfo, topics: dict[str, str]) -> dict:
    try:
        start = component.start
    except Exception:  # icalendar raises several kinds for a broken DTSTART
        raise ValueError("ohne gültigen Beginn (DTSTART)") from None
    try:
        end = component.end
    except Exception:
        end = None
    title = _text(component, "SUMMARY", 300)
    if not title:
        raise ValueError("ohne Titel (SUMMARY)")
    url = _text(component, "URL", 500)
    starts_at = _moment(start, tz)
    ends_at = _moment(end, tz) if end is not None else None
    return {
        "title": title,
        "description": str(component.get("DESCRIPTION") or "").strip()[:5000],
        "starts_at": starts_at,
        "ends_at": ends_at if ends_at and ends_at > starts_at else None,
        "location": _text(component, "LOCATION", 300),
        "topic": _topic(component, topics),
        "url": url if url and URL.match(url) else None,
        "registration": None,
        "project": None,
    }


def _cancelled(component) -> bool:
    return str(component.get("STATUS", "")).upper() == "CANCELLED"


def _recurs(component) -> bool:
    return any(component.get(name) is not None for name in ("RRULE", "RDATE"))


def _dates(calendar: Calendar, uids: set[str], tz: ZoneInfo, now: datetime):
    """(series UID, occurrence) of the recurring events, from today on."""
    if not uids:
        return []
    start = datetime.combine(now.astimezone(tz).date(), time.min, tz)
    end = start + timedelta(days=RECURRENCE_DAYS)
    found: dict[str, list] = {}
    for occurrence in recurring_ical_events.of(calendar).between(start, end):
        uid = _text(occurrence, "UID", 1000) or ""
        if uid in uids and len(found.setdefault(uid, [])) < MAX_DATES_PER_EVENT:
            found[uid].append(occurrence)
    return [(uid, o) for uid, occurrences in found.items() for o in occurrences]


def parse(data: bytes) -> Calendar:
    try:
        return Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as error:
        # icalendar quotes the offending line; it is not shown to the admin.
        logger.info("unparsable iCalendar data: %s", type(error).__name__)
        raise IcsError("Die Datei ist keine gültige iCalendar-Datei.") from None


def import_events(
    session: Session,
    data: bytes,
    *,
    tz: ZoneInfo,
    topics: dict[str, str] | None = None,
    actor: str = "cli",
    feed: str = "upload",
    now: datetime | None = None,
) -> IcsReport:
    """Create or update one event per UID of this feed; cancelled ones are removed.

    `feed` names the calendar (its URL or file name): UIDs count within it, and
    events of other feeds, of the content files or made by staff stay as they
    are, as do this feed's events once staff edited them.
    `topics` maps a lower-case category or alias to the topic's name.
    """
    calendar = parse(data)
    report = IcsReport()
    source = ics_source(feed)
    events = {
        e.uid: e for e in session.scalars(select(Event).where(Event.source == source))
    }
    seen: set[str] = set()
    series: set[str] = set()
    cancelled: set[str] = set()
    singles = []
    for component in calendar.walk("VEVENT"):
        uid = _text(component, "UID", 1000) or ""
        label = _text(component, "SUMMARY", 60) or uid or "ohne Titel"
        if not uid or len(uid) > (MAX_UID if _recurs(component) else 200):
            report.skipped.append(f"„{label}“: ohne gültige UID")
            continue
        if uid in seen:
            continue  # a recurrence override of an event already taken
        seen.add(uid)
        if not _recurs(component):
            singles.append((uid, label, component))
        elif not _cancelled(component):
            series.add(uid)
        else:
            cancelled.add(uid)  # every date of it goes
    try:
        dates = _dates(calendar, series, tz, now or datetime.now(timezone.utc))
    except Exception as error:  # the library raises its own kinds for bad rules
        logger.info("recurrence not expanded: %s", type(error).__name__)
        report.skipped.extend(f"„{uid}“: Wiederholung nicht lesbar" for uid in series)
        dates, series = [], set()  # and its stored dates stay as they are
    taken: set[str] = set()
    for uid, occurrence in dates[:MAX_DATES_PER_FEED]:
        start = _moment(occurrence.start, tz).astimezone(timezone.utc)
        key = OCCURRENCE.format(uid=uid, start=start)
        if not _cancelled(occurrence):
            taken.add(key)
            singles.append((key, _text(occurrence, "SUMMARY", 60) or uid, occurrence))
    if len(dates) > MAX_DATES_PER_FEED:
        report.skipped.append(
            f"{len(dates) - MAX_DATES_PER_FEED} Termine über {MAX_DATES_PER_FEED}"
        )
    # Dates of a series that are gone (an EXDATE, a cancelled or moved date)
    # are removed; dates before today stay as they were.
    today = datetime.combine(
        (now or datetime.now(timezone.utc)).astimezone(tz).date(), time.min, tz
    )
    recurring = series | cancelled
    for key, event in events.items():
        stem = key.rpartition("#")[0]
        if (stem in recurring and key not in taken and not event.staff_edited_at
                and event.starts_at >= today):  # fmt: skip
            session.delete(event)
            report.removed += 1
    for uid, label, component in singles:
        existing = events.get(uid)
        if existing is not None and existing.staff_edited_at:
            report.unchanged += 1
            continue
        if _cancelled(component):
            if existing is not None:
                session.delete(existing)
                report.removed += 1
            continue
        try:
            values = _fields(component, tz, topics or {})
        except ValueError as reason:
            report.skipped.append(f"„{label}“: {reason}")
            continue
        if existing is None:
            event = Event(uid=uid, source=source)
            apply_event(event, **values)
            session.add(event)
            report.created += 1
        elif apply_event(existing, **values):
            report.updated += 1
        else:
            report.unchanged += 1
    if report.created or report.updated or report.removed:
        record(
            session,
            actor,
            "events_imported",
            "events",
            "ics",
            None,
            {
                "created": report.created,
                "updated": report.updated,
                "removed": report.removed,
                "skipped": len(report.skipped),
            },
        )
    return report
