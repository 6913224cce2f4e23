"""A repeating event from the staff form (issue 36.5): one event per date,
grouped as a series; one date is edited alone, one date or the whole series
is deleted."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from actions.db import ics
from actions.db.ics import MAX_DATES_PER_EVENT
from actions.db.models import AuditEntry, Event
from actions.db.session import in_transaction
from tests.bot.staff.helpers import login, post_form


def first_day(settings):
    """A week ahead, so the series is upcoming whenever the test runs."""
    return datetime.now(settings.tz).date() + timedelta(days=7)


def series_form(settings, **changes) -> dict:
    day = first_day(settings)
    return {
        "title": "Digitale Sprechstunde",
        "day": day.isoformat(),
        "time": "17:00",
        "duration": "60",
        "location": "Rathaus",
        "repeat": "weekly",
        "until": (day + timedelta(weeks=3)).isoformat(),
        "skip": f"{day + timedelta(weeks=1):%d.%m.%Y}",
        **changes,
    }


def stored(url: str, tz) -> list[tuple[str, str, str]]:
    """(uid, local start, title) of every event, soonest first."""

    def read(session):
        rows = session.scalars(select(Event).order_by(Event.starts_at))
        return [
            (e.uid, f"{e.starts_at.astimezone(tz):%Y-%m-%d %H:%M}", e.title)
            for e in rows
        ]

    return in_transaction(url, read)


def event_ids(url: str) -> list[int]:
    return in_transaction(
        url, lambda s: list(s.scalars(select(Event.id).order_by(Event.starts_at)))
    )


def audited(url: str) -> list[tuple[str, str]]:
    return in_transaction(
        url,
        lambda s: [
            (e.action, e.object_id)
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ],
    )


async def test_a_weekly_series_is_stored_as_its_dates(
    client, database_url, staff_settings
):
    await login(client)
    form = await (await client.get("/staff/events/new")).text()
    assert 'name="repeat"' in form and "alle zwei Wochen" in form
    response = await post_form(client, "/staff/events/new", series_form(staff_settings))
    assert response.status == 303
    page = await (await client.get("/staff/events")).text()
    assert "Die Terminreihe „Digitale Sprechstunde“ ist gespeichert: 3 Termine" in page
    assert "(Reihe)" in page

    day = first_day(staff_settings)
    rows = stored(database_url, staff_settings.tz)
    assert [start for _, start, _ in rows] == [
        f"{day + timedelta(weeks=weeks)} 17:00" for weeks in (0, 2, 3)
    ]
    keys = {uid.rpartition("#")[0] for uid, _, _ in rows}
    assert len(keys) == 1 and keys.pop().startswith("staff-")
    assert audited(database_url)[-1][0] == "event_series_created"


async def test_the_form_refuses_a_bad_series_in_german(
    client, database_url, staff_settings
):
    await login(client)
    day = first_day(staff_settings)
    too_far = day + timedelta(weeks=MAX_DATES_PER_EVENT)  # one date too many
    cases = {
        "liegt vor dem ersten Termin": {"until": (day - timedelta(days=1)).isoformat()},
        f"mehr als {MAX_DATES_PER_EVENT} Termine": {
            "until": too_far.isoformat(),
            "skip": "",
        },
        "„24.13.2026“ unter „außer am“ ist kein Datum": {"skip": "24.13.2026"},
    }
    for problem, changes in cases.items():
        response = await post_form(
            client, "/staff/events/new", series_form(staff_settings, **changes)
        )
        page = await response.text()
        assert response.status == 400 and problem in page, problem
        assert 'value="weekly" selected' in page  # the form keeps what was typed
    assert stored(database_url, staff_settings.tz) == []
    token_free = await client.post(
        "/staff/events/new", data=series_form(staff_settings), allow_redirects=False
    )
    assert token_free.status == 403


async def test_editing_one_date_changes_that_date_only(
    client, database_url, staff_settings
):
    await login(client)
    await post_form(client, "/staff/events/new", series_form(staff_settings))
    second = event_ids(database_url)[1]
    form = await (await client.get(f"/staff/events/{second}")).text()
    assert "gehört zu einer Reihe mit 3 Terminen" in form
    assert "Änderungen hier gelten nur für diesen einen Termin" in form
    assert 'name="repeat"' not in form  # a series is made new only
    day = first_day(staff_settings) + timedelta(weeks=2)
    edit = {"title": "Sprechstunde mit Gast", "day": day.isoformat(), "time": "18:00"}
    assert (await post_form(client, f"/staff/events/{second}", edit)).status == 303
    rows = stored(database_url, staff_settings.tz)
    assert [(start[-5:], title) for _, start, title in rows] == [
        ("17:00", "Digitale Sprechstunde"),
        ("18:00", "Sprechstunde mit Gast"),
        ("17:00", "Digitale Sprechstunde"),
    ]


async def test_delete_one_date_or_the_whole_series(
    client, database_url, staff_settings
):
    await login(client)
    await post_form(client, "/staff/events/new", series_form(staff_settings))
    day_after = (first_day(staff_settings) + timedelta(days=1)).isoformat()
    single = {"title": "Einzeln", "day": day_after, "time": "17:00"}
    await post_form(client, "/staff/events/new", single)
    first, _single, third, _fourth = event_ids(database_url)
    path = f"/staff/events/{first}"
    form = await (await client.get(path)).text()
    assert "Die ganze Reihe (3 Termine)" in form

    token_free = {"scope": "series", "confirm": "1"}
    response = await client.post(f"{path}/delete", data=token_free)
    assert response.status == 403
    unconfirmed = await post_form(client, f"{path}/delete", {"scope": "series"}, path)
    assert unconfirmed.status == 303 and len(event_ids(database_url)) == 4
    one = {"scope": "date", "confirm": "1"}
    assert (await post_form(client, f"{path}/delete", one, path)).status == 303
    assert len(event_ids(database_url)) == 3

    path = f"/staff/events/{third}"
    whole = {"scope": "series", "confirm": "1"}
    response = await post_form(client, f"{path}/delete", whole, path)
    assert response.status == 303
    page = await (await client.get("/staff/events")).text()
    assert "Die Terminreihe ist gelöscht (2 Termine)." in page
    assert [title for _, _, title in stored(database_url, staff_settings.tz)] == [
        "Einzeln"
    ]
    assert [action for action, _ in audited(database_url)][-2:] == [
        "event_deleted",
        "event_series_deleted",
    ]


async def test_an_imported_event_is_deleted_in_its_source(
    client, database_url, staff_settings
):
    calendar = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Stadt//Test//DE\r\n"
        "BEGIN:VEVENT\r\nUID:markt@stadt.example\r\nSUMMARY:Markt\r\n"
        "DTSTART;VALUE=DATE:20301212\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    in_transaction(
        database_url,
        lambda s: ics.import_events(s, calendar.encode(), tz=staff_settings.tz),
    )
    await login(client)
    (event_id,) = event_ids(database_url)
    path = f"/staff/events/{event_id}"
    assert f"{path}/delete" not in await (await client.get(path)).text()
    response = await post_form(
        client, f"{path}/delete", {"scope": "date", "confirm": "1"}, "/staff/events"
    )
    assert response.status == 303
    page = await (await client.get("/staff/events")).text()
    assert "Bitte löschen Sie ihn dort" in page
    assert event_ids(database_url) == [event_id]
