"""Admin pages for events, and the iCalendar import from a file or URL."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from datetime import time as clock_time

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from actions.db import ics
from actions.db.audit import record
from actions.db.content import Content
from actions.db.models import STAFF_SOURCE, Event, Project, utcnow
from bot.staff import fetch
from bot.staff.app import (
    MAX_FORM_BYTES,
    SETTINGS,
    add_form_routes,
    admin_only,
    db,
    error_page,
    flash,
    redirect,
    render,
)
from bot.staff.project_views import content_files

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
}


def _event_values(event: Event | None, tz) -> dict[str, str]:
    if event is None:
        return {name: "" for name in EVENT_LABELS}
    start = event.starts_at.astimezone(tz)
    minutes = (
        int((event.ends_at - event.starts_at).total_seconds() // 60)
        if event.ends_at
        else ""
    )
    return {
        "title": event.title,
        "day": start.date().isoformat(),
        "time": start.strftime("%H:%M"),
        "duration": str(minutes),
        "location": event.location or "",
        "topic": event.topic or "",
        "project": event.project.slug if event.project else "",
        "description": event.description,
        "url": event.url or "",
        "registration": event.registration or "",
    }


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
    return {"values": values, "fields": fields, "project": values["project"]}, problems


@admin_only
async def events_page(request: web.Request) -> web.Response:
    since = utcnow() - timedelta(days=1)

    def work(session):
        return list(
            session.scalars(
                select(Event)
                .where(Event.starts_at >= since)
                .options(selectinload(Event.project))
                .order_by(Event.starts_at)
            )
        )

    events = await db(request, work)
    return await render(request, "events.html", {"events": events})


async def _event_form(
    request, content, values, problems, event_id=None, projects=(), status=200
):
    return await render(
        request,
        "event_form.html",
        {
            "values": values,
            "problems": problems,
            "event_id": event_id,
            "labels": EVENT_LABELS,
            "topics": [t.name for t in content.topics],
            "projects": projects,
        },
        status,
    )


def _project_choices(session) -> list[tuple[str, str]]:
    return [
        (p.slug, p.name)
        for p in session.scalars(select(Project).order_by(Project.name))
    ]


def _event_id(request) -> int | None:
    raw = request.match_info.get("event_id")
    return int(raw) if raw and raw.isdigit() else None


@admin_only
async def event_form(request: web.Request) -> web.Response:
    content = content_files(request)
    tz = request.app[SETTINGS].tz
    event_id = _event_id(request)

    def work(session):
        event = session.get(Event, event_id) if event_id else None
        values = _event_values(event, tz) if event or not event_id else None
        return values, _project_choices(session)

    values, projects = await db(request, work)
    if values is None:
        return await error_page(request, 404, "Diesen Termin gibt es nicht.")
    return await _event_form(request, content, values, [], event_id, projects)


@admin_only
async def event_save(request: web.Request) -> web.StreamResponse:
    content = content_files(request)
    tz = request.app[SETTINGS].tz
    event_id = _event_id(request)
    form = await request.post()
    parsed, problems = _parse_event(form, tz, content)
    actor = request["user"].username

    def work(session):
        if problems:
            return problems, _project_choices(session)
        event = session.get(Event, event_id) if event_id else None
        if event_id and event is None:
            return ["Diesen Termin gibt es nicht mehr."], _project_choices(session)
        before = _event_values(event, tz) if event else None
        if event is None:
            event = Event(uid=f"staff-{secrets.token_hex(8)}", source=STAFF_SOURCE)
            session.add(event)
        else:
            event.staff_edited_at = utcnow()  # imports no longer overwrite it
        for name, value in parsed["fields"].items():
            setattr(event, name, value)
        slug = parsed["project"]
        event.project = (
            session.scalar(select(Project).where(Project.slug == slug))
            if slug
            else None
        )
        session.flush()
        record(
            session,
            actor,
            "event_updated" if before else "event_created",
            "event",
            event.uid,
            before,
            _event_values(event, tz),
        )
        return [], []

    problems, projects = await db(request, work)
    if problems:
        return await _event_form(
            request, content, parsed["values"], problems, event_id, projects, 400
        )
    await flash(request, f"Der Termin „{parsed['values']['title']}“ ist gespeichert.")
    raise redirect("/staff/events")


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
            raise redirect("/staff/events")
        feed = url
        settings = request.app[SETTINGS]
        try:
            data = await fetch.fetch(
                url,
                max_bytes=MAX_FORM_BYTES,
                allowed_hosts=settings.staff_ics_allowed_hosts,
            )
        except fetch.FetchRefused as refused:
            await flash(request, f"Der Kalender war nicht abrufbar. {refused}", "error")
            raise redirect("/staff/events") from None
    else:
        await flash(
            request,
            "Bitte wählen Sie eine .ics-Datei oder geben eine Adresse an.",
            "error",
        )
        raise redirect("/staff/events")
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
    raise redirect("/staff/events")


def add_routes(app: web.Application) -> None:
    app.router.add_post("/events/import", import_ics)
    add_form_routes(
        app,
        "/events",
        listing=events_page,
        form=event_form,
        save=event_save,
        key="event_id:\\d+",
    )
