"""The dates of a staff-made event that repeats (issue 36.5).

dateutil's rrule expands on a start in the city's time zone, so 17:00 stays
17:00 across the change to summer or winter time. As with a feed's series
(actions/db/ics.py) the dates are stored, not the rule: nothing expands it
again later, so a series is bounded by its number of dates, not by a horizon.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from itertools import islice

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday, weekdays

from actions.db.ics import MAX_DATES_PER_EVENT

# The form's choices; the keys are what it posts.
REPEATS = {
    "": "keine",
    "weekly": "wöchentlich",
    "biweekly": "alle zwei Wochen",
    "monthly": "monatlich am gleichen Wochentag",
}
GERMAN_DAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
SEPARATORS = re.compile(r"[,;\s]+")


def parse_day(text: str) -> date:
    """'24.12.2026' as staff write it, or '2026-12-24' from a date field."""
    match = GERMAN_DAY.fullmatch(text.strip())
    if match:
        day, month, year = map(int, match.groups())
        return date(year, month, day)
    return date.fromisoformat(text.strip())


def parse_days(text: str) -> tuple[set[date], list[str]]:
    """The days of a comma-separated list, and a German problem per bad one."""
    days: set[date] = set()
    problems = []
    for part in filter(None, SEPARATORS.split(text)):
        try:
            days.add(parse_day(part))
        except ValueError:
            problems.append(
                f"„{part[:20]}“ unter „außer am“ ist kein Datum. Bitte schreiben "
                "Sie Daten wie 24.12.2026, durch Kommas getrennt."
            )
    return days, problems


def monthly_weekday(day: date) -> weekday:
    """The 2nd Tuesday for Tuesday the 9th; from the 29th on the last one,
    since not every month has a 5th."""
    nth = (day.day - 1) // 7 + 1
    return weekdays[day.weekday()](-1 if nth == 5 else nth)


def _rule(first: datetime, every: str, last: date) -> rrule:
    until = datetime.combine(last, time.max, first.tzinfo)
    if every == "monthly":
        byweekday = monthly_weekday(first.date())
        return rrule(MONTHLY, dtstart=first, until=until, byweekday=byweekday)
    interval = 2 if every == "biweekly" else 1
    return rrule(WEEKLY, interval=interval, dtstart=first, until=until)


def series_dates(
    first: datetime, every: str, until: str = "", skip: str = ""
) -> tuple[list[datetime], list[str]]:
    """The starts of an event from the form's repetition, and problems in German.

    `first` is zone-aware, in the city's time zone; without a repetition the
    event has that date alone.
    """
    until, skip = until.strip(), skip.strip()
    if every not in REPEATS:
        return [], ["Bitte wählen Sie eine Wiederholung aus der Liste."]
    if not every:
        if until or skip:
            return [], [
                "„bis“ und „außer am“ gelten nur für einen Termin, der sich "
                "wiederholt. Bitte wählen Sie eine Wiederholung oder leeren Sie "
                "die beiden Felder."
            ]
        return [first], []
    problems = []
    try:
        last = parse_day(until)
    except ValueError:
        last = None
        problems.append(
            "Bitte geben Sie an, bis wann sich der Termin wiederholt "
            "(„bis“, z. B. 31.12.2026)."
        )
    skipped, bad = parse_days(skip)
    problems += bad
    if len(skipped) > MAX_DATES_PER_EVENT:  # each would cost one more date to expand
        problems.append(
            f"Unter „außer am“ passen höchstens {MAX_DATES_PER_EVENT} Tage."
        )
    if last is not None and last < first.date():
        problems.append(
            "Das Ende der Wiederholung („bis“) liegt vor dem ersten Termin."
        )
    if problems:
        return [], problems
    # One more than allowed is enough to refuse; a far "bis" costs nothing.
    found = list(
        islice(_rule(first, every, last), MAX_DATES_PER_EVENT + 1 + len(skipped))
    )
    kept = [start for start in found if start.date() not in skipped]
    if len(kept) > MAX_DATES_PER_EVENT:
        return [], [
            f"Die Reihe hätte mehr als {MAX_DATES_PER_EVENT} Termine. Bitte wählen "
            f"Sie unter „bis“ ein früheres Ende (höchstens {MAX_DATES_PER_EVENT} "
            "Termine je Reihe)."
        ]
    problems = [
        f"Am {day:%d.%m.%Y} findet die Reihe nicht statt; bitte prüfen Sie "
        "„außer am“."
        for day in sorted(skipped - {start.date() for start in found})
    ]
    if not kept and not problems:
        problems.append("Ohne die Tage unter „außer am“ bleibt kein Termin übrig.")
    return ([] if problems else kept), problems
