"""English formatting of dates for chat replies, as the city's English-speaking
residents read them (babel's en_US patterns, the city's time zone)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime


def english_day(local: datetime) -> str:
    """'Monday, December 7, 2026'."""
    return format_datetime(local, "EEEE, MMMM d, yyyy", locale="en_US")


def english_clock(local: datetime) -> str:
    """'10 AM', '10:30 AM'."""
    pattern = "h a" if not local.minute else "h:mm a"
    return format_datetime(local, pattern, locale="en_US")


def english_span(start: datetime, end: datetime | None, tz: ZoneInfo) -> str:
    """'Sat, Nov 28, 2026, 9 AM to 12 PM'; the end only on the same day."""
    local = start.astimezone(tz)
    day = format_datetime(local, "EEE, MMM d, yyyy", locale="en_US")
    text = f"{day}, {english_clock(local)}"
    if end is not None and end.astimezone(tz).date() == local.date():
        text += f" to {english_clock(end.astimezone(tz))}"
    return text
