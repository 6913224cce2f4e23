"""Office hours from contact.yml, closed on the federal state's public holidays."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.content import Contact, ContentError, load_contact
from core.office_hours import parse_spans
from tests.helpers import EXAMPLE_CONTENT

BERLIN = ZoneInfo("Europe/Berlin")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def hours():
    return load_contact(EXAMPLE_CONTENT).office_hours("Europe/Berlin")


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (at(2026, 12, 2, 10, 0), True),  # Wednesday morning
        (at(2026, 12, 2, 8, 59), False),
        (at(2026, 12, 2, 16, 0), False),  # closes at 16:00 sharp
        (at(2026, 12, 4, 11, 59), True),  # Friday until noon
        (at(2026, 12, 4, 12, 0), False),
        (at(2026, 12, 5, 10, 0), False),  # Saturday
        (at(2026, 12, 25, 10, 0), False),  # Christmas, a Friday
        (at(2026, 6, 4, 10, 0), False),  # Corpus Christi: a holiday in RP
        (at(2026, 10, 31, 10, 0), False),  # a Saturday anyway
    ],
)
def test_open_on_weekdays_in_hours_and_never_on_holidays(hours, moment, open_):
    assert hours.is_open(moment) is open_


def test_holidays_are_those_of_the_federal_state():
    berlin = Contact(
        organisation="x", email="a@b.de", opening_hours={"Do": "09:00-16:00"},
        holidays_state="BE",
    ).office_hours("Europe/Berlin")  # fmt: skip
    corpus_christi = at(2026, 6, 4, 10, 0)
    assert berlin.is_open(corpus_christi)  # no holiday in Berlin
    rp = load_contact(EXAMPLE_CONTENT).office_hours("Europe/Berlin")
    assert rp.holiday(corpus_christi.date()) == "Fronleichnam"


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (at(2026, 12, 2, 7, 0), "heute ab 9 Uhr"),
        (at(2026, 12, 2, 17, 0), "morgen (Donnerstag) ab 9 Uhr"),
        (at(2026, 12, 4, 13, 0), "am Montag, 7. Dezember, ab 9 Uhr"),
        (at(2026, 12, 24, 13, 0), "am Montag, 28. Dezember, ab 9 Uhr"),
    ],
)
def test_the_next_opening_in_plain_german(hours, moment, said):
    assert hours.describe_next(moment) == said


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (at(2026, 12, 2, 7, 0), "today from 9 AM"),
        (at(2026, 12, 2, 17, 0), "tomorrow (Thursday) from 9 AM"),
        (at(2026, 12, 4, 13, 0), "on Monday, December 7, from 9 AM"),
    ],
)
def test_the_next_opening_in_english(hours, moment, said):
    assert hours.describe_next(moment, english=True) == said


def test_a_holiday_by_its_english_name():
    rp = load_contact(EXAMPLE_CONTENT).office_hours("Europe/Berlin")
    assert rp.holiday(at(2026, 6, 4, 10, 0).date(), "en") == "Corpus Christi"


def test_closing_time_and_the_week_in_words(hours):
    assert hours.closing(at(2026, 12, 4, 10, 0)) == at(2026, 12, 4, 12, 0)
    assert hours.closing(at(2026, 12, 5, 10, 0)) is None
    assert hours.describe_week() == "Mo–Do 9–16 Uhr, Fr 9–12 Uhr"


def test_no_opening_hours_means_never_open():
    hours = Contact(organisation="x", email="a@b.de").office_hours("Europe/Berlin")
    assert not hours.is_open(at(2026, 12, 2, 10, 0))
    assert hours.describe_next(at(2026, 12, 2, 10, 0)) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("opening_hours", {"Montag": "09:00-16:00"}),
        ("opening_hours", {"Mo": "9 bis 16"}),
        ("opening_hours", {"Mo": "16:00-09:00"}),
        ("opening_hours", {"Mo": "25:00-26:00"}),
        ("holidays_state", "Pfalz"),
    ],
)
def test_bad_hours_in_the_file_are_a_clear_error(tmp_path, field, value):
    import yaml

    data = yaml.safe_load((EXAMPLE_CONTENT / "contact.yml").read_text("utf-8"))
    data["contact"][field] = value
    (tmp_path / "contact.yml").write_text(yaml.safe_dump(data), "utf-8")
    with pytest.raises(ContentError, match=field):
        load_contact(tmp_path)


def test_several_spans_a_day():
    assert [(a.hour, b.hour) for a, b in parse_spans("13:00-16:00, 09:00-12:00")] == [
        (9, 12),
        (13, 16),
    ]
