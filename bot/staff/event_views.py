"""Admin pages for events, and the iCalendar import from a file or URL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import time as clock_time

import aiohttp_jinja2
from aiohttp import web

from actions.db import events, ics, projects, recurrence
from actions.db.models import utcnow
from bot.staff import calendar_download
from bot.staff.helpers import (
    MAX_FORM_BYTES,
    SETTINGS,
    PageError,
    admin_only,
    content_files,
    db,
    flash,
    redirect,
)
from core.content import Content, EventInEnglish

EVENT_LABELS = {
    "title": "Titel",
    "day": "Datum",
    "time": "Uhrzeit",
    "duration": "Dauer in Minuten",
    "location": "Ort",
    "topic": "Thema",
    "project": "Projekt",
    "description": "Beschreibung",
    "url": "Webseite",
    "registration": "Anmeldung",
    # Issue 34: optional, for citizens who chat in English.
    "title_en": "Titel auf Englisch",
    "description_en": "Beschreibung auf Englisch",
    "registration_en": "Anmeldung auf Englisch",
}
# Issue 36.5: only a new event repeats; each date is an event of its own.
REPEAT_LABELS = {"repeat": "Wiederholung", "until": "bis", "skip": "außer am"}
NO_FACTS = {"deletable": False, "series_dates": 0, "starts_at": None}


def _parse_event(form, tz, content: Content) -> tuple[dict, list[str]]:
    values = {name: str(form.get(name, "")).strip() for name in EVENT_LABELS}
    problems = []
    if not values["title"] or len(values["title"]) > 300:
        problems.append("Bitte geben Sie einen Titel an (höchstens 300 Zeichen).")
    try:
        day = date.fromisoformat(values["day"])
        at = clock_time.fromisoformat(values["time"] or "00:00")
        starts_at = datetime.combine(day, at, tz)
    except ValueError:
        problems.append(
            "Bitte geben Sie Datum und Uhrzeit an, z. B. 2026-12-01 und 18:00."
        )
        starts_at = None
    duration = None
    if values["duration"]:
        if values["duration"].isdigit() and 0 < int(values["duration"]) <= 20160:
            duration = int(values["duration"])
        else:
            problems.append("Die Dauer ist eine Zahl von Minuten (1 bis 20160).")
    if values["topic"] and values["topic"] not in {t.name for t in content.topics}:
        problems.append("Bitte wählen Sie ein Thema aus der Liste.")
    if values["url"] and not ics.URL.match(values["url"]):
        problems.append("Die Webseite muss mit http:// oder https:// beginnen.")
    if len(values["location"]) > 300:
        problems.append("Der Ort ist zu lang (höchstens 300 Zeichen).")
    fields = {
        "title": values["title"],
        "description": values["description"],
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=duration)
        if starts_at and duration
        else None,
        "location": values["location"] or None,
        "topic": values["topic"] or None,
        "url": values["url"] or None,
        "registration": values["registration"] or None,
    }
    english = None
    if values["title_en"]:
        english = EventInEnglish.construct(
            title=values["title_en"][:300],
            description=values["description_en"] or None,
            registration=values["registration_en"] or None,
        )
    elif values["description_en"] or values["registration_en"]:
        problems.append("Für die englischen Texte fehlt der englische Titel.")
    parsed = {"values": values, "fields": fields, "project": values["project"]}
    return {**parsed, "english": english}, problems


def _parse_repetition(form, parsed: dict) -> tuple[list[datetime], list[str]]:
    """The starts of a new event; its form values join the parsed ones."""
    repeat = {name: str(form.get(name, "")).strip() for name in REPEAT_LABELS}
    parsed["values"].update(repeat)
    first = parsed["fields"]["starts_at"]
    if first is None:
        return [], []  # the date's own problem is reported already
    return recurrence.series_dates(
        first, repeat["repeat"], repeat["until"], repeat["skip"]
    )


@admin_only
async def events_page(request: web.Request) -> web.Response:
    start = utcnow() - timedelta(days=1)
    listed = await db(request, lambda s: events.since(s, start), read_only=True)
    return aiohttp_jinja2.render_template(
        "events.html",
        request,
        {
            "events": listed,
            "series_key": events.series_key,
            "horizon_days": ics.RECURRENCE_DAYS,
            "max_dates": ics.MAX_DATES_PER_EVENT,
        },
    )


def _facts(session, event_id: int | None) -> dict:
    """What the form says about a stored event: its series, whether it can go."""
    event = events.by_id(session, event_id) if event_id else None
    if event is None:
        return NO_FACTS
    dates = len(events.series_of(session, event))
    return {
        "deletable": events.made_in_staff_app(event),
        "series_dates": dates if dates > 1 else 0,  # one date left is no series
        "starts_at": event.starts_at,
    }


def _event_form(
    request, content, values, problems, event_id=None, choices=(), status=200, **facts
):
    return aiohttp_jinja2.render_template(
        "event_form.html",
        request,
        {
            "values": values,
            "problems": problems,
            "event_id": event_id,
            "labels": {**EVENT_LABELS, **REPEAT_LABELS},
            "topics": [t.name for t in content.topics],
            "projects": choices,
            "repeats": recurrence.REPEATS,
            "max_dates": ics.MAX_DATES_PER_EVENT,
            **(facts or NO_FACTS),
        },
        status=status,
    )


def _event_id(request) -> int | None:
    raw = request.match_info.get("event_id")
    return int(raw) if raw and raw.isdigit() else None


@admin_only
async def event_form(request: web.Request) -> web.Response:
    content = content_files(request)
    tz = request.app[SETTINGS].tz
    event_id = _event_id(request)

    def work(session):
        if not event_id:
            values = {name: "" for name in (*EVENT_LABELS, *REPEAT_LABELS)}
        else:
            event = events.by_id(session, event_id)
            values = events.form_values(event, tz) if event else None
        return values, projects.choices(session), _facts(session, event_id)

    values, choices, facts = await db(request, work, read_only=True)
    if values is None:
        raise PageError(404, "Diesen Termin gibt es nicht.")
    return _event_form(request, content, values, [], event_id, choices, **facts)


@admin_only
async def event_save(request: web.Request) -> web.StreamResponse:
    content = content_files(request)
    tz = request.app[SETTINGS].tz
    event_id = _event_id(request)
    form = await request.post()
    parsed, problems = _parse_event(form, tz, content)
    starts: list[datetime] = []
    if not event_id:  # editing changes one date; a series is made only new
        starts, more = _parse_repetition(form, parsed)
        problems += more
    repeated = bool(parsed["values"].get("repeat"))
    actor = request["user"].username

    def work(session):
        common = {"english": parsed["english"], "actor": actor, "tz": tz}
        if repeated and not problems:
            events.create_series(
                session, starts, parsed["fields"], parsed["project"], **common
            )
            return [], [], NO_FACTS
        found = problems or events.save(
            session, event_id, parsed["fields"], parsed["project"], **common
        )
        if not found:
            return found, [], NO_FACTS
        return found, projects.choices(session), _facts(session, event_id)

    problems, choices, facts = await db(request, work)
    if problems:
        return _event_form(
            request,
            content,
            parsed["values"],
            problems,
            event_id,
            choices,
            400,
            **facts,
        )
    title = parsed["values"]["title"]
    if repeated:
        await flash(
            request,
            f"Die Terminreihe „{title}“ ist gespeichert: {len(starts)} Termine "
            f"vom {starts[0]:%d.%m.%Y} bis {starts[-1]:%d.%m.%Y}.",
        )
    else:
        await flash(request, f"Der Termin „{title}“ ist gespeichert.")
    raise redirect(request, "events")


@admin_only
async def event_delete(request: web.Request) -> web.StreamResponse:
    """One date, or with scope=series every date of its series."""
    event_id = _event_id(request)
    form = await request.post()
    if form.get("confirm") != "1":
        await flash(request, "Bitte bestätigen Sie das Löschen.", "error")
        raise redirect(request, "event", event_id=event_id)
    whole_series = form.get("scope") == "series"
    tz = request.app[SETTINGS].tz
    actor = request["user"].username
    try:
        count = await db(
            request,
            lambda s: events.delete(
                s, event_id, whole_series=whole_series, actor=actor, tz=tz
            ),
        )
    except events.EventError as error:
        await flash(request, str(error), "error")
        raise redirect(request, "events") from None
    if whole_series and count > 1:
        await flash(request, f"Die Terminreihe ist gelöscht ({count} Termine).")
    else:
        await flash(request, "Der Termin ist gelöscht.")
    raise redirect(request, "events")


@admin_only
async def import_ics(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    upload = form.get("file")
    url = str(form.get("url", "")).strip()
    if isinstance(upload, web.FileField) and upload.filename:
        data = upload.file.read()
        feed = f"file:{upload.filename}"
    elif url:
        if not ics.URL.match(url):
            await flash(
                request, "Die Adresse muss mit http:// oder https:// beginnen.", "error"
            )
            raise redirect(request, "events")
        feed = url
        settings = request.app[SETTINGS]
        try:
            data = await calendar_download.fetch(
                url,
                max_bytes=MAX_FORM_BYTES,
                allowed_hosts=settings.staff_ics_allowed_hosts,
            )
        except calendar_download.FetchRefused as refused:
            await flash(request, f"Der Kalender war nicht abrufbar. {refused}", "error")
            raise redirect(request, "events") from None
    else:
        await flash(
            request,
            "Bitte wählen Sie eine .ics-Datei oder geben eine Adresse an.",
            "error",
        )
        raise redirect(request, "events")
    tz = request.app[SETTINGS].tz
    topics = {
        name.casefold(): t.name
        for t in content_files(request).topics
        for name in (t.name, *t.aliases)
    }
    actor = request["user"].username
    try:
        report = await db(
            request,
            lambda s: ics.import_events(
                s, data, tz=tz, topics=topics, actor=actor, feed=feed
            ),
        )
    except ics.IcsError as error:
        await flash(request, str(error), "error")
    else:
        await flash(request, f"Kalender importiert: {report}.")
        for reason in report.skipped[:10]:
            await flash(request, f"Übersprungen: {reason}", "error")
    raise redirect(request, "events")
