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
