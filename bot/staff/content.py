"""Admin pages for projects and events, and the iCalendar import."""

from __future__ import annotations

import asyncio
import secrets
from datetime import date, datetime, timedelta
from datetime import time as clock_time

import aiohttp
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from actions.content import (
    CITYWIDE,
    PROJECT_STATUSES,
    Content,
    ContentError,
    ProjectIn,
    apply_project,
    load_content,
)
from actions.db.models import Event, Project, utcnow
from bot.staff import ics
from bot.staff.app import (
    MAX_FORM_BYTES,
    SETTINGS,
    admin_only,
    db,
    error_page,
    flash,
    redirect,
    render,
)
from bot.staff.audit import record

RETRAIN_COMMAND = "smartcity content export-projects && make train"
PROJECT_LABELS = {
    "slug": "Kurzname (für Links)",
    "name": "Name",
    "aliases": "Andere Namen",
    "summary": "Kurzbeschreibung",
    "description": "Beschreibung",
    "topic": "Thema",
    "status": "Stand",
    "district": "Stadtteil",
    "contact": "Kontakt",
    "url": "Webseite",
    "start": "Beginn",
    "end": "Ende",
}
PROJECT_FIELDS = tuple(PROJECT_LABELS)


def _content(request: web.Request) -> Content:
    return load_content(request.app[SETTINGS].content_dir)


def _names(project: Project | None) -> set[str]:
    return set(project.names) if project else set()


def untrained_names(session: Session, content: Content) -> list[str]:
    """Project names in the database that the content files (and so the
    gazetteer of the next training) do not know yet."""
    known = {n.casefold() for p in content.projects for n in (p.name, *p.aliases)}
    names = [n for p in session.scalars(select(Project)) for n in p.names]
    return sorted(n for n in names if n.casefold() not in known)


def _project_values(project: Project) -> dict[str, str]:
    return {
        "slug": project.slug,
        "name": project.name,
        "aliases": ", ".join(project.aliases),
        "summary": project.summary,
        "description": project.description,
        "topic": project.topic,
        "status": project.status,
        "district": project.district or CITYWIDE,
        "contact": project.contact or "",
        "url": project.url or "",
        "start": project.start_date.isoformat() if project.start_date else "",
        "end": project.end_date.isoformat() if project.end_date else "",
    }


def _validate_project(form, content: Content) -> tuple[ProjectIn | None, list[str]]:
    raw = {name: str(form.get(name, "")).strip() for name in PROJECT_FIELDS}
    data = {k: v for k, v in raw.items() if v}
    data["aliases"] = [a.strip() for a in raw["aliases"].split(",") if a.strip()]
    try:
        project = ProjectIn.parse_obj(data)
    except ValidationError as error:
        fields = {str(e["loc"][0]) for e in error.errors()}
        problems = [
            f"Bitte prüfen Sie das Feld „{PROJECT_LABELS.get(f, f)}“."
            for f in sorted(fields)
        ]
        if "__root__" in fields:
            problems = ["Das Ende liegt vor dem Beginn."]
        return None, problems
    problems = []
    if project.topic not in {t.name for t in content.topics}:
        problems.append("Bitte wählen Sie ein Thema aus der Liste.")
    if project.district not in {*content.districts, CITYWIDE}:
        problems.append("Bitte wählen Sie einen Stadtteil aus der Liste.")
    return project, problems


def _save_project(
    session: Session, slug: str | None, item: ProjectIn, actor: str
) -> tuple[list[str], set[str]]:
    """Create or update; returns (problems, names that are new to the assistant)."""
    project = (
        session.scalar(select(Project).where(Project.slug == slug)) if slug else None
    )
    taken = {
        n.casefold(): p.name
        for p in session.scalars(select(Project))
        if p is not project
        for n in p.names
    }
    clashes = [n for n in (item.name, *item.aliases) if n.casefold() in taken]
    if clashes:
        return [
            f"„{n}“ ist schon ein Name von „{taken[n.casefold()]}“." for n in clashes
        ], set()
    before = _project_values(project) if project else None
    names_before = _names(project)
    if project is None:
        project = Project(slug=item.slug)
        session.add(project)
    apply_project(project, item)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        return ["Dieser Name oder Kurzname ist schon vergeben."], set()
    record(
        session,
        actor,
        "project_updated" if before else "project_created",
        "project",
        project.slug,
        before,
        _project_values(project),
    )
    return [], set(project.names) - names_before


@admin_only
async def projects_page(request: web.Request) -> web.Response:
    try:
        content = _content(request)
    except ContentError as error:
        return await error_page(
            request, 500, f"Die Inhaltsdateien sind fehlerhaft: {error}"
        )

    def work(session):
        projects = list(session.scalars(select(Project).order_by(Project.name)))
        return projects, untrained_names(session, content)

    projects, untrained = await db(request, work)
    return await render(
        request,
        "projects.html",
        {"projects": projects, "untrained": untrained, "retrain": RETRAIN_COMMAND},
    )


async def _project_form(request, content, values, problems, slug=None, status=200):
    return await render(
        request,
        "project_form.html",
        {
            "values": values,
            "problems": problems,
            "slug": slug,
            "labels": PROJECT_LABELS,
            "topics": [t.name for t in content.topics],
            "districts": [CITYWIDE, *content.districts],
            "statuses": PROJECT_STATUSES,
        },
        status,
    )


@admin_only
async def project_form(request: web.Request) -> web.Response:
    content = _content(request)
    slug = request.match_info.get("slug")
    if slug is None:
        values = {name: "" for name in PROJECT_FIELDS}
        values.update(status=PROJECT_STATUSES[0], district=CITYWIDE)
        return await _project_form(request, content, values, [])
    project = await db(
        request, lambda s: s.scalar(select(Project).where(Project.slug == slug))
    )
    if project is None:
        return await error_page(request, 404, "Dieses Projekt gibt es nicht.")
    return await _project_form(request, content, _project_values(project), [], slug)


@admin_only
async def project_save(request: web.Request) -> web.StreamResponse:
    content = _content(request)
    slug = request.match_info.get("slug")
    form = await request.post()
    item, problems = _validate_project(form, content)
    new_names: set[str] = set()
    if item and not problems:
        actor = request["user"].username
        problems, new_names = await db(
            request, lambda s: _save_project(s, slug, item, actor)
        )
    if problems:
        values = {name: str(form.get(name, "")) for name in PROJECT_FIELDS}
        return await _project_form(request, content, values, problems, slug, 400)
    await flash(request, f"Das Projekt „{item.name}“ ist gespeichert.")
    if new_names:
        await flash(
            request,
            "Neue Namen erkennt der Assistent erst nach einem neuen Training: "
            + ", ".join(sorted(new_names))
            + f". Führen Sie dazu auf dem Server aus: {RETRAIN_COMMAND}",
            "hint",
        )
    raise redirect("/staff/projects")


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
    content = _content(request)
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
    content = _content(request)
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
            event = Event(uid=f"staff-{secrets.token_hex(8)}")
            session.add(event)
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


async def _download(url: str) -> bytes:
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(timeout=timeout) as client, client.get(
        url
    ) as response:
        response.raise_for_status()
        data = await response.content.read(MAX_FORM_BYTES + 1)
    if len(data) > MAX_FORM_BYTES:
        raise ValueError("zu groß")
    return data


@admin_only
async def import_ics(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    upload = form.get("file")
    url = str(form.get("url", "")).strip()
    if isinstance(upload, web.FileField) and upload.filename:
        data = upload.file.read()
    elif url:
        if not ics.URL.match(url):
            await flash(
                request, "Die Adresse muss mit http:// oder https:// beginnen.", "error"
            )
            raise redirect("/staff/events")
        try:
            data = await _download(url)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            await flash(request, f"Der Kalender war nicht abrufbar ({error}).", "error")
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
        for t in _content(request).topics
        for name in (t.name, *t.aliases)
    }
    actor = request["user"].username
    try:
        report = await db(
            request,
            lambda s: ics.import_events(s, data, tz=tz, topics=topics, actor=actor),
        )
    except ics.IcsError as error:
        await flash(request, str(error), "error")
    else:
        await flash(request, f"Kalender importiert: {report}.")
        for reason in report.skipped[:10]:
            await flash(request, f"Übersprungen: {reason}", "error")
    raise redirect("/staff/events")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/projects", projects_page, name="projects")
    app.router.add_get("/projects/new", project_form)
    app.router.add_post("/projects/new", project_save)
    app.router.add_get("/projects/{slug}", project_form)
    app.router.add_post("/projects/{slug}", project_save)
    app.router.add_get("/events", events_page, name="events")
    app.router.add_get("/events/new", event_form)
    app.router.add_post("/events/new", event_save)
    app.router.add_post("/events/import", import_ics)
    app.router.add_get("/events/{event_id:\\d+}", event_form)
    app.router.add_post("/events/{event_id:\\d+}", event_save)
