"""When the office is open: weekly hours from contact.yml, closed on the
public holidays of the city's federal state (the `holidays` package)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from babel.dates import format_date

from core.english import english_clock

WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
WEEKDAY_NAMES = (
    "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag",
)  # fmt: skip
MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
    "September", "Oktober", "November", "Dezember",
)  # fmt: skip
SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
# German federal states, as the `holidays` package names them.
STATES = frozenset(holidays.country_holidays("DE").subdivisions)
LOOKAHEAD_DAYS = 21

Span = tuple[time, time]


def parse_spans(value: str) -> list[Span]:
    """ "09:00-12:00, 13:00-16:00" -> spans; ValueError with a readable reason."""
    spans = []
    for part in value.split(","):
        match = SPAN.match(part)
        if not match:
            raise ValueError(f"{part.strip()!r} is not a time span like 09:00-16:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise ValueError(f"{part.strip()!r} is not a time of day")
        start = time(h1, m1)
        end = time.max if h2 == 24 else time(h2, m2)
        if end <= start:
            raise ValueError(f"{part.strip()!r} ends before it starts")
        spans.append((start, end))
    return sorted(spans)


# The languages a holiday's name comes in, by the conversation's language.
HOLIDAY_LANGUAGES = {"en": "en_US"}


@lru_cache(maxsize=16)
def _holidays(state: str | None, year: int, language: str) -> holidays.HolidayBase:
    return holidays.country_holidays("DE", subdiv=state, years=year, language=language)


def _clock(value: time) -> str:
    """9:00 -> "9", 9:30 -> "9:30", as people say it."""
    if value == time.max:
        return "24"
    return f"{value.hour}" if not value.minute else f"{value.hour}:{value.minute:02d}"


@dataclass(frozen=True)
class OfficeHours:
    weekly: dict[int, list[Span]]  # Monday = 0
    state: str | None
    timezone: str

    def holiday(self, day: date, language: str = "de") -> str | None:
        """The public holiday's name (German, or English for "en"), if the
        office is closed for one."""
        names = _holidays(self.state, day.year, HOLIDAY_LANGUAGES.get(language, "de"))
        return names.get(day)

    def _spans(self, day: date) -> list[Span]:
        return [] if self.holiday(day) else self.weekly.get(day.weekday(), [])

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(ZoneInfo(self.timezone))
        now = local.time()
        return any(start <= now < end for start, end in self._spans(local.date()))

    def closing(self, at: datetime) -> datetime | None:
        """When the office closes, if it is open at `at`."""
        tz = ZoneInfo(self.timezone)
        local = at.astimezone(tz)
        for start, end in self._spans(local.date()):
            if start <= local.time() < end:
                return datetime.combine(local.date(), end, tz)
        return None

    def next_opening(self, at: datetime) -> datetime | None:
        """The next moment the office opens after `at` (None: not in three weeks)."""
        tz = ZoneInfo(self.timezone)
        local = at.astimezone(tz)
        for offset in range(LOOKAHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            for start, _end in self._spans(day):
                opening = datetime.combine(day, start, tz)
                if opening > local:
                    return opening
        return None

    def describe_next(
        self, at: datetime, plain: bool = False, english: bool = False
    ) -> str | None:
        """ "heute ab 13 Uhr", "morgen (Dienstag) ab 9 Uhr", "am Montag,
        7. Dezember, ab 9 Uhr"; `plain` for Leichte Sprache, without
        parentheses: "morgen, am Dienstag, ab 9 Uhr"; `english`: "today from
        1 PM", "tomorrow (Tuesday) from 9 AM", "on Monday, December 7, from 9 AM"."""
        opening = self.next_opening(at)
        if opening is None:
            return None
        today = at.astimezone(ZoneInfo(self.timezone)).date()
        if english:
            return _in_english(opening, today)
        clock = f"ab {_clock(opening.time())} Uhr"
        if opening.date() == today:
            return f"heute {clock}"
        if opening.date() == today + timedelta(days=1):
            weekday = WEEKDAY_NAMES[opening.weekday()]
            return (
                f"morgen, am {weekday}, {clock}"
                if plain
                else f"morgen ({weekday}) {clock}"
            )
        day = f"{opening.day}. {MONTHS[opening.month - 1]}"
        return f"am {WEEKDAY_NAMES[opening.weekday()]}, {day}, {clock}"

    def describe_week(self) -> str:
        """Runs of days with the same hours, as in "Mo-Do 9-16 Uhr" (with en dashes)."""
        parts: list[str] = []
        day = 0
        while day < 7:
            spans = self.weekly.get(day)
            last = day
            while last + 1 < 7 and self.weekly.get(last + 1) == spans:
                last += 1
            if spans:
                days = (
                    WEEKDAYS[day]
                    if last == day
                    else f"{WEEKDAYS[day]}–{WEEKDAYS[last]}"
                )
                hours = ", ".join(f"{_clock(a)}–{_clock(b)}" for a, b in spans)
                parts.append(f"{days} {hours} Uhr")
            day = last + 1
        return ", ".join(parts)


def _in_english(opening: datetime, today: date) -> str:
    clock = f"from {english_clock(opening)}"
    weekday = format_date(opening, "EEEE", locale="en_US")
    if opening.date() == today:
        return f"today {clock}"
    if opening.date() == today + timedelta(days=1):
        return f"tomorrow ({weekday}) {clock}"
    return f"on {weekday}, {format_date(opening, 'MMMM d', locale='en_US')}, {clock}"
