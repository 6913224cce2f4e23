"""A staff-made event that repeats (issue 36.5): its dates in local time,
across the change to winter time, without the days staff leave out, and
never more than a feed's series may have."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from actions.db.ics import MAX_DATES_PER_EVENT
from actions.db.recurrence import series_dates

BERLIN = ZoneInfo("Europe/Berlin")


def local(starts: list[datetime]) -> list[str]:
    return [f"{start.astimezone(BERLIN):%d.%m.%Y %H:%M}" for start in starts]


def expand(first: datetime, every: str, until: str = "", skip: str = ""):
    starts, problems = series_dates(first, every, until, skip)
    assert not problems, problems
    return starts


def test_weekly_stays_at_five_pm_across_the_change_to_winter_time():
    # Summer time ends on 25 October 2026.
    starts = expand(datetime(2026, 10, 15, 17, tzinfo=BERLIN), "weekly", "05.11.2026")
    assert local(starts) == [
        "15.10.2026 17:00", "22.10.2026 17:00", "29.10.2026 17:00", "05.11.2026 17:00",
    ]  # fmt: skip
    assert [start.utcoffset() for start in starts] == [
        timedelta(hours=2), timedelta(hours=2), timedelta(hours=1), timedelta(hours=1),
    ]  # fmt: skip


def test_every_other_week():
    starts = expand(datetime(2026, 10, 6, 18, tzinfo=BERLIN), "biweekly", "2026-11-17")
    assert local(starts) == [
        "06.10.2026 18:00", "20.10.2026 18:00", "03.11.2026 18:00", "17.11.2026 18:00",
    ]  # fmt: skip


def test_monthly_on_the_second_tuesday():
    starts = expand(datetime(2026, 10, 13, 17, tzinfo=BERLIN), "monthly", "31.01.2027")
    assert local(starts) == [
        "13.10.2026 17:00", "10.11.2026 17:00", "08.12.2026 17:00", "12.01.2027 17:00",
    ]  # fmt: skip


def test_monthly_from_the_29th_is_the_last_weekday():
    """Thursday the 29th is the 5th Thursday, which most months lack."""
    starts = expand(datetime(2026, 10, 29, 10, tzinfo=BERLIN), "monthly", "31.01.2027")
    assert local(starts) == [
        "29.10.2026 10:00", "26.11.2026 10:00", "31.12.2026 10:00", "28.01.2027 10:00",
    ]  # fmt: skip


def test_days_left_out():
    first = datetime(2026, 12, 10, 17, tzinfo=BERLIN)
    starts = expand(first, "weekly", "07.01.2027", "24.12.2026, 31.12.2026")
    assert local(starts) == [
        "10.12.2026 17:00", "17.12.2026 17:00", "07.01.2027 17:00",
    ]  # fmt: skip


def test_exactly_the_limit_of_dates_is_allowed_one_more_is_refused():
    first = datetime(2026, 10, 1, 17, tzinfo=BERLIN)
    last = first + timedelta(weeks=MAX_DATES_PER_EVENT - 1)
    starts = expand(first, "weekly", f"{last:%d.%m.%Y}")
    assert len(starts) == MAX_DATES_PER_EVENT
    assert local(starts)[-1] == f"{last:%d.%m.%Y} 17:00"  # and still local time

    one_more = f"{last + timedelta(weeks=1):%d.%m.%Y}"
    starts, problems = series_dates(first, "weekly", one_more)
    assert starts == []
    assert problems == [
        f"Die Reihe hätte mehr als {MAX_DATES_PER_EVENT} Termine. Bitte wählen Sie "
        f"unter „bis“ ein früheres Ende (höchstens {MAX_DATES_PER_EVENT} Termine "
        "je Reihe)."
    ]
    # The limit counts the dates stored: one left out makes room again.
    assert len(expand(first, "weekly", one_more, f"{first:%d.%m.%Y}")) == (
        MAX_DATES_PER_EVENT
    )


def test_a_far_end_is_refused_without_expanding_it():
    first = datetime(2026, 10, 1, 17, tzinfo=BERLIN)
    starts, problems = series_dates(first, "weekly", "31.12.9999")
    assert starts == [] and "mehr als" in problems[0]


@pytest.mark.parametrize(
    ("every", "until", "skip", "problem"),
    [
        ("weekly", "", "", "bis wann sich der Termin wiederholt"),
        ("weekly", "31.02.2027", "", "bis wann sich der Termin wiederholt"),
        ("weekly", "30.09.2026", "", "liegt vor dem ersten Termin"),
        (
            "weekly",
            "31.12.2026",
            "32.12.2026",
            "„32.12.2026“ unter „außer am“ ist kein",
        ),
        ("weekly", "31.12.2026", "Heiligabend", "Bitte schreiben Sie Daten wie 24.12"),
        ("weekly", "31.12.2026", "02.10.2026", "Am 02.10.2026 findet die Reihe nicht"),
        ("weekly", "01.10.2026", "01.10.2026", "bleibt kein Termin übrig"),
        ("", "31.12.2026", "", "gelten nur für einen Termin, der sich wiederholt"),
        ("daily", "31.12.2026", "", "Wiederholung aus der Liste"),
    ],
)
def test_german_problems(every, until, skip, problem):
    first = datetime(2026, 10, 1, 17, tzinfo=BERLIN)
    starts, problems = series_dates(first, every, until, skip)
    assert starts == []
    assert any(problem in each for each in problems), problems


def test_no_repetition_is_the_first_date_alone():
    first = datetime(2026, 10, 1, 17, tzinfo=BERLIN)
    assert series_dates(first, "") == ([first], [])
