"""Dates as a chat reply gives them (core/german.py)."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from core.german import format_plain, format_plain_span, format_span

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_standard_dates_are_short():
    assert format_span(utc(2026, 12, 7, 9), utc(2026, 12, 7, 11, 30), BERLIN) == (
        "Mo., 07.12.2026, 10:00–12:30 Uhr"
    )


def test_dates_in_leichter_sprache_are_written_out():
    assert format_plain(utc(2026, 12, 7, 9), BERLIN) == (
        "Montag, 7. Dezember 2026, um 10 Uhr"
    )
    assert format_plain(utc(2026, 7, 4, 16, 30), BERLIN) == (
        "Samstag, 4. Juli 2026, um 18:30 Uhr"
    )


def test_a_span_in_leichter_sprache_says_from_and_until():
    same_day = format_plain_span(utc(2026, 12, 7, 9), utc(2026, 12, 7, 11), BERLIN)
    assert same_day == "Montag, 7. Dezember 2026, von 10 Uhr bis 12 Uhr"
    # Over midnight only the start is given, as in the standard list.
    assert format_plain_span(utc(2026, 12, 7, 21), utc(2026, 12, 8, 1), BERLIN) == (
        "Montag, 7. Dezember 2026, um 22 Uhr"
    )
