"""German formatting of dates and lists for chat replies and pages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime


def format_start(moment: datetime, tz: ZoneInfo) -> str:
    """'Sa., 28.11.2026, 10:00 Uhr' in the city's time zone."""
    return format_datetime(
        moment.astimezone(tz), "EEE, dd.MM.yyyy, HH:mm 'Uhr'", locale="de_DE"
    )


def format_span(start: datetime, end: datetime | None, tz: ZoneInfo) -> str:
    """Start, plus the end time when the event ends on the same day."""
    text = format_start(start, tz)
    if end is not None and end.astimezone(tz).date() == start.astimezone(tz).date():
        text = text.replace(" Uhr", "") + f"–{end.astimezone(tz):%H:%M} Uhr"
    return text


def plain_day(local: datetime) -> str:
    """'Montag, 7. Dezember 2026': a day in Leichter Sprache."""
    return format_datetime(local, "EEEE, d. MMMM yyyy", locale="de_DE")


def format_plain(moment: datetime, tz: ZoneInfo) -> str:
    """'Montag, 7. Dezember 2026, um 10 Uhr': a date in Leichter Sprache."""
    local = moment.astimezone(tz)
    return f"{plain_day(local)}, um {plain_clock(local)}"


def plain_clock(local: datetime) -> str:
    """'10 Uhr', '10:30 Uhr'."""
    return f"{local.hour} Uhr" if not local.minute else f"{local:%H:%M} Uhr"


def format_plain_span(start: datetime, end: datetime | None, tz: ZoneInfo) -> str:
    """The start in Leichter Sprache, and until when on the same day:
    'Samstag, 28. November 2026, von 9 Uhr bis 12 Uhr'."""
    local = start.astimezone(tz)
    if end is not None and end.astimezone(tz).date() == local.date():
        until = plain_clock(end.astimezone(tz))
        return f"{plain_day(local)}, von {plain_clock(local)} bis {until}"
    return format_plain(start, tz)


def local_time(tz: ZoneInfo):
    """A template filter: a stored UTC time in the city's time zone."""

    def format_time(value: datetime | None, pattern: str = "%d.%m.%Y, %H:%M") -> str:
        if value is None:
            return "–"
        return value.astimezone(tz).strftime(pattern)

    return format_time


def first_sentence(text: str) -> str:
    sentence, dot, _rest = text.strip().partition(". ")
    return sentence + ("." if dot else "")
