import re
from datetime import timedelta

import pytest

from actions.sdk.event_actions import ActionListEvents, time_window
from tests.helpers import berlin, button_titles, entity, texts

pytestmark = pytest.mark.usefixtures("seeded")

DATE_LINE = re.compile(
    r"^• (Mo|Di|Mi|Do|Fr|Sa|So)\., \d\d\.\d\d\.\d{4}, \d\d:\d\d(–\d\d:\d\d)? Uhr: "
)


async def list_events(dispatcher, tracker):
    return await ActionListEvents().run(dispatcher, tracker, domain={})


def event_lines(dispatcher):
    """Each event as one line: its "• " line with the indented lines below it."""
    entries: list[str] = []
    for line in texts(dispatcher).splitlines():
        if line.startswith("• "):
            entries.append(line)
        elif line.startswith("   ") and entries:
            entries[-1] += " " + line.strip()
    return entries


async def test_next_30_days_in_german_format(
    dispatcher, make_tracker, clock, example_content, today
):
    await list_events(dispatcher, make_tracker("Termine?", "ask_events"))
    lines = event_lines(dispatcher)
    assert texts(dispatcher).startswith("Termine in den nächsten 30 Tagen:")
    assert lines and all(DATE_LINE.match(line) for line in lines), lines
    within = [
        e
        for e in example_content.events
        if e.start_at(today, clock.tzinfo) < clock + timedelta(days=30)
    ]
    assert f"von {len(within)} Terminen" in texts(dispatcher)


async def test_saturday_market_formatted_like_a_person_would(
    dispatcher, make_tracker, clock
):
    # The first market stand is on the first Saturday on or after the import day.
    await list_events(dispatcher, make_tracker("", "ask_events"))
    assert "• Sa., 28.11.2026, 09:00–12:00 Uhr: Infostand auf dem Wochenmarkt" in texts(
        dispatcher
    )


async def test_time_range_filters_events(dispatcher, make_tracker, clock):
    weekend = {"from": "2026-11-28T00:00:00+01:00", "to": "2026-11-30T00:00:00+01:00"}
    tracker = make_tracker(
        "Was ist am Wochenende los?",
        "ask_events",
        [entity("time", weekend, additional_info={"grain": "day"})],
    )
    await list_events(dispatcher, tracker)
    lines = event_lines(dispatcher)
    assert texts(dispatcher).startswith("Termine vom 28.11. bis 29.11.2026:")
    assert lines and all(
        line.startswith(("• Sa., 28.11.", "• So., 29.11.")) for line in lines
    )


async def test_project_filter(dispatcher, make_tracker, clock):
    tracker = make_tracker("", "ask_events", [entity("project", "Pfaff-Quartier")])
    await list_events(dispatcher, tracker)
    lines = event_lines(dispatcher)
    assert texts(dispatcher).startswith("Termine zu EnStadt:Pfaff")
    assert lines and all("Pfaff-Quartier" in line for line in lines)
    assert "Anmeldung nötig" in lines[0]


@pytest.mark.parametrize(
    "text",
    [
        "Wann kann ich mir das mal anschauen, gibt es dazu eine Veranstaltung?",
        "Gibt es da bald einen Termin?",
        "Finden dort Veranstaltungen statt?",
        "und Termine?",
    ],
)
async def test_a_follow_up_keeps_the_project_just_answered(
    dispatcher, make_tracker, clock, text
):
    tracker = make_tracker(
        text,
        "ask_events",
        slots={"project": "EnStadt:Pfaff"},
        after="action_project_info",
    )
    events = await list_events(dispatcher, tracker)
    assert texts(dispatcher).startswith("Termine zu EnStadt:Pfaff")
    assert {"event": "slot", "name": "project", "value": "EnStadt:Pfaff",
            "timestamp": None} in events  # fmt: skip
    assert "Alle Termine" in button_titles(dispatcher)


@pytest.mark.parametrize(
    ("text", "after"),
    [
        ("alle Termine", "action_project_info"),  # leaves the subject
        ("Zeig mir alle Veranstaltungen dazu", "action_project_info"),
        ("Welche Termine gibt es?", "action_project_info"),  # no reference back
        ("Gibt es dazu Termine?", "utter_greet"),  # the subject has expired
        ("Gibt es dazu Termine?", None),
    ],
)
async def test_no_follow_up_lists_every_event(
    dispatcher, make_tracker, clock, text, after
):
    tracker = make_tracker(
        text, "ask_events", slots={"project": "EnStadt:Pfaff"}, after=after
    )
    await list_events(dispatcher, tracker)
    assert texts(dispatcher).startswith("Termine in den nächsten 30 Tagen:")


async def test_and_next_week_keeps_the_topic_of_the_events_answer(
    dispatcher, make_tracker, clock
):
    sixty_days = {
        "from": clock.isoformat(),
        "to": (clock + timedelta(days=60)).isoformat(),
    }
    tracker = make_tracker(
        "und in den nächsten 60 Tagen?",
        "ask_events",
        [entity("time", sixty_days)],
        slots={"topic": "Beteiligung"},
        after="action_list_events",
    )
    await list_events(dispatcher, tracker)
    assert texts(dispatcher).startswith("Termine zum Thema Beteiligung vom ")


async def test_an_explicit_project_beats_the_follow_up(dispatcher, make_tracker, clock):
    tracker = make_tracker(
        "und zum Pfaff-Quartier?",
        "ask_events",
        [entity("project", "Pfaff-Quartier")],
        slots={"project": "Smart Parking"},
        after="action_project_info",
    )
    await list_events(dispatcher, tracker)
    assert texts(dispatcher).startswith("Termine zu EnStadt:Pfaff")


async def test_nothing_in_range(dispatcher, make_tracker, clock):
    tracker = make_tracker(
        "",
        "ask_events",
        [entity("time", "2027-06-01T00:00:00+02:00", additional_info={"grain": "day"})],
    )
    await list_events(dispatcher, tracker)
    assert texts(dispatcher) == "Am 01.06.2027 habe ich keine Termine gefunden."


async def test_past_range(dispatcher, make_tracker, clock):
    tracker = make_tracker(
        "",
        "ask_events",
        [entity("time", "2026-01-05T00:00:00+01:00", additional_info={"grain": "day"})],
    )
    await list_events(dispatcher, tracker)
    assert "in der Vergangenheit" in texts(dispatcher)


@pytest.mark.parametrize(
    ("value", "grain", "expected_hours"),
    [
        ("2026-12-03T00:00:00+01:00", "day", 24),
        ("2026-12-03T18:00:00+01:00", "hour", 1),
        ("2026-11-30T00:00:00+01:00", "week", 24 * 7),
        (
            {"from": "2026-12-05T00:00:00+01:00", "to": "2026-12-07T00:00:00+01:00"},
            None,
            48,
        ),
    ],
)
def test_time_window_shapes(value, grain, expected_hours):
    start, end = time_window(
        {"value": value, "additional_info": {"grain": grain}}, now=berlin(2026, 11, 26)
    )
    assert end - start == timedelta(hours=expected_hours)


@pytest.mark.parametrize(
    "value",
    [
        None,
        42,
        "morgen",
        "2026-12-03T00:00:00",
        {"from": "kaputt"},
        {"from": "2026-12-07T00:00:00+01:00", "to": "2026-12-05T00:00:00+01:00"},
        # Issue 13: typed payloads carry anything; 9999-12-31 overflowed.
        "0001-01-01T00:00:00+05:00",
        {"from": 5, "to": []},
        ["2026-12-03T00:00:00+01:00"],
        {"from": "0001-01-01T00:00:00+00:00", "to": "1500-01-01T00:00:00+00:00"},
    ],
)
def test_time_window_rejects_unusable_values(value):
    assert time_window({"value": value}, now=berlin(2026, 11, 26)) is None


@pytest.mark.parametrize(
    "entity",
    [
        {"value": "9999-12-31T23:00:00+00:00", "additional_info": {"grain": "year"}},
        {"value": "2026-12-03T00:00:00+01:00", "additional_info": "kaputt"},
        {"value": "2026-12-03T00:00:00+01:00", "additional_info": {"grain": ["x"]}},
        {
            "value": {
                "from": "2999-12-31T00:00:00+00:00",
                "to": "9999-01-01T00:00:00+00:00",
            }
        },
    ],
)
def test_absurd_time_entities_give_a_window_within_bounds_or_none(entity):
    window = time_window(entity, now=berlin(2026, 11, 26))
    if window is not None:
        start, end = window
        assert start.year >= 2000 and end.year <= 3000 and start < end


@pytest.fixture(scope="module")
def time_extractor():
    from nlu.time_extractor import GermanTimeExtractor

    return GermanTimeExtractor({"timezone": "Europe/Berlin"})


@pytest.mark.parametrize(
    ("question", "header", "day_prefixes"),
    [
        ("Was ist am Wochenende los?", "Termine vom 28.11. bis 29.11.2026:",
         ("• Sa., 28.11.", "• So., 29.11.")),
        ("Gibt es übermorgen etwas?", "Termine am 28.11.2026:", ("• Sa., 28.11.",)),
        ("Was passiert im Dezember?", "Termine vom 01.12. bis 31.12.2026:",
         tuple(f"• {d}., {n:02}.12." for n in range(1, 32)
               for d in ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"))),
    ],
)  # fmt: skip
async def test_time_expressions_from_the_extractor_filter_events(
    dispatcher, make_tracker, clock, time_extractor, question, header, day_prefixes
):
    entities = time_extractor.extract(question, clock)
    await list_events(dispatcher, make_tracker(question, "ask_events", entities))
    lines = event_lines(dispatcher)
    assert texts(dispatcher).startswith(header)
    assert lines and all(line.startswith(day_prefixes) for line in lines), lines


async def test_a_long_event_list_goes_on_to_its_end(
    dispatcher, make_tracker, clock, monkeypatch
):
    from actions.sdk.list_pages import CURSOR_SLOT
    from actions.sdk.more_actions import ActionShowMore
    from core.settings import get_settings
    from tests.helpers import slot_events

    monkeypatch.setenv("LIST_LIMIT", "2")
    get_settings.cache_clear()
    events = await list_events(dispatcher, make_tracker("Termine", "ask_events"))
    lines = event_lines(dispatcher)
    assert len(lines) == 2 and "Weitere anzeigen" in button_titles(dispatcher)
    total = int(re.search(r"von (\d+) Terminen", texts(dispatcher)).group(1))
    cursor = slot_events(events)[CURSOR_SLOT]
    while cursor["next"] < cursor["total"]:
        dispatcher.messages.clear()
        tracker = make_tracker("und die restlichen Termine?", "show_more",
                               slots={CURSOR_SLOT: cursor})  # fmt: skip
        events = await ActionShowMore().run(dispatcher, tracker, domain={})
        assert texts(dispatcher).startswith("Weitere Termine in den nächsten")
        lines += event_lines(dispatcher)
        cursor = slot_events(events)[CURSOR_SLOT]
    assert len(lines) == len(set(lines)) == total
    assert "Weitere anzeigen" not in button_titles(dispatcher)


async def test_the_next_office_hour_of_a_series_is_its_next_real_date(
    dispatcher, make_tracker, clock, seeded
):
    """Issue 36.5: a weekly series from the staff form began three weeks ago;
    "nächste Sprechstunde" names today's date, not its first or a past one."""
    from sqlalchemy.orm import Session

    from actions.db import events, recurrence
    from core.settings import get_settings

    first = berlin(2026, 11, 5, 17, 0)  # Thursdays; the clock is Thursday 08:00
    starts, problems = recurrence.series_dates(first, "weekly", "31.12.2026")
    assert not problems and starts[0] < clock
    fields = {
        "title": "Digitalsprechstunde im Rathaus",
        "description": "",
        "starts_at": first,
        "ends_at": first + timedelta(hours=1),
        "location": "Rathaus",
        "topic": None,
        "url": None,
        "registration": None,
    }
    with Session(seeded, future=True) as session, session.begin():
        events.create_series(session, starts, fields, "digitallotsen",
                             actor="t", tz=get_settings().tz)  # fmt: skip
    tracker = make_tracker(
        "Wann ist die nächste Digitalsprechstunde?",
        "ask_events",
        [entity("project", "Digitallotsen")],
    )
    await list_events(dispatcher, tracker)
    lines = event_lines(dispatcher)
    assert lines[0].startswith(
        "• Do., 26.11.2026, 17:00–18:00 Uhr: Digitalsprechstunde im Rathaus"
    ), lines
    assert not any(day in texts(dispatcher) for day in ("05.11.", "12.11.", "19.11."))
