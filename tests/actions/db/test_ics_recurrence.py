"""Recurring events from an iCalendar feed (issue 36.5): each date within
the horizon is an event of its own, in local time across the change to
winter time, without the dates the feed excludes or cancels."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from actions.db import ics
from actions.db.models import Event
from actions.db.session import in_transaction

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 10, 1, 8, tzinfo=timezone.utc)

SERIES = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Stadt//Test//DE
BEGIN:VEVENT
UID:sprechstunde@stadt.example
SUMMARY:Digitale Sprechstunde
DTSTART;TZID=Europe/Berlin:20261001T170000
DTEND;TZID=Europe/Berlin:20261001T180000
RRULE:FREQ=WEEKLY;COUNT=8
EXDATE;TZID=Europe/Berlin:{exdates}
STATUS:{status}
END:VEVENT
{override}END:VCALENDAR
"""

MOVED = """BEGIN:VEVENT
UID:sprechstunde@stadt.example
RECURRENCE-ID;TZID=Europe/Berlin:20261105T170000
SUMMARY:Digitale Sprechstunde (verschoben)
DTSTART;TZID=Europe/Berlin:20261106T100000
DTEND;TZID=Europe/Berlin:20261106T110000
STATUS:{status}
END:VEVENT
"""


def feed(exdates="20261015T170000", status="CONFIRMED", override="") -> bytes:
    text = SERIES.format(exdates=exdates, status=status, override=override)
    return text.replace("\n", "\r\n").encode()


def run(url: str, data: bytes, now: datetime = NOW) -> ics.IcsReport:
    return in_transaction(
        url, lambda s: ics.import_events(s, data, tz=BERLIN, feed="f", now=now)
    )


def local_starts(url: str) -> list[str]:
    starts = in_transaction(
        url,
        lambda s: list(s.scalars(select(Event.starts_at).order_by(Event.starts_at))),
    )
    return [start.astimezone(BERLIN).strftime("%m-%d %H:%M") for start in starts]


def test_a_weekly_series_is_its_dates_in_local_time(database_url):
    report = run(database_url, feed())
    assert report.created == 7 and not report.skipped
    # 17:00 in Kaiserslautern before and after the 25th of October.
    assert local_starts(database_url) == [
        "10-01 17:00", "10-08 17:00", "10-22 17:00", "10-29 17:00",
        "11-05 17:00", "11-12 17:00", "11-19 17:00",
    ]  # fmt: skip
    again = run(database_url, feed())
    assert (again.created, again.updated, again.unchanged, again.removed) == (
        0, 0, 7, 0,
    )  # fmt: skip


def test_a_date_excluded_or_cancelled_later_is_removed(database_url):
    run(database_url, feed())
    report = run(database_url, feed(exdates="20261015T170000,20261022T170000"))
    assert report.removed == 1
    cancelled = MOVED.format(status="CANCELLED")
    run(database_url, feed(override=cancelled))
    assert "11-05 17:00" not in local_starts(database_url)
    assert len(local_starts(database_url)) == 6


def test_a_moved_date_is_shown_where_it_moved(database_url):
    run(database_url, feed(override=MOVED.format(status="CONFIRMED")))
    starts = local_starts(database_url)
    assert "11-06 10:00" in starts and "11-05 17:00" not in starts


def test_past_dates_stay_and_a_cancelled_series_loses_its_future(database_url):
    run(database_url, feed())
    later = datetime(2026, 10, 20, 8, tzinfo=timezone.utc)
    report = run(database_url, feed(status="CANCELLED"), now=later)
    assert report.removed == 5  # from the 22nd on; the 1st and 8th happened
    assert local_starts(database_url) == ["10-01 17:00", "10-08 17:00"]


def test_an_endless_series_stays_within_the_horizon(database_url):
    endless = feed().replace(b";COUNT=8", b"")
    report = run(database_url, endless)
    last = datetime(2026, 10, 1, tzinfo=BERLIN).date()
    assert report.created == len(local_starts(database_url)) <= ics.MAX_DATES_PER_EVENT
    stored = in_transaction(
        database_url, lambda s: s.scalar(select(Event.starts_at).order_by(
            Event.starts_at.desc()).limit(1))
    )  # fmt: skip
    assert (stored.date() - last).days < ics.RECURRENCE_DAYS


def test_a_feed_stops_at_its_budget_of_dates_and_says_so(database_url, monkeypatch):
    monkeypatch.setattr(ics, "MAX_DATES_PER_FEED", 5)
    report = run(database_url, feed())
    assert report.created == 5
    assert report.skipped == ["2 Termine über 5"]
