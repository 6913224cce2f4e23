"""Admin pages for projects, with the hint which names need a retrain."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web
from pydantic import ValidationError

from actions.db import projects
from bot.staff.helpers import PageError, admin_only, content_files, db, flash, redirect
from core.content import CITYWIDE, Content, ProjectIn

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
    # Issue 34: optional, for citizens who chat in English.
    "name_en": "Name auf Englisch",
    "summary_en": "Kurzbeschreibung auf Englisch",
    "description_en": "Beschreibung auf Englisch",
}
ENGLISH_FIELDS = {
    "name_en": "name",
    "summary_en": "summary",
    "description_en": "description",
}
PROJECT_FIELDS = tuple(PROJECT_LABELS)


def _validate_project(form, content: Content) -> tuple[ProjectIn | None, list[str]]:
    raw = {name: str(form.get(name, "")).strip() for name in PROJECT_FIELDS}
    data = {k: v for k, v in raw.items() if v and k not in ENGLISH_FIELDS}
    data["aliases"] = [a.strip() for a in raw["aliases"].split(",") if a.strip()]
    english = {key: raw[field] for field, key in ENGLISH_FIELDS.items() if raw[field]}
    if english:
        data["en"] = english
    try:
        project = ProjectIn.parse_obj(data)
    except ValidationError as error:
        fields = {str(e["loc"][0]) for e in error.errors()}
        problems = [
            f"Bitte prüfen Sie das Feld „{PROJECT_LABELS.get(f, f)}“."
            for f in sorted(fields - {"en"})
        ]
        if "en" in fields:
            problems.append(
                "Auf Englisch braucht das Projekt einen Namen und eine Kurzbeschreibung."
            )
        if "__root__" in fields:
            problems = ["Das Ende liegt vor dem Beginn."]
        return None, problems
    problems = []
    if project.topic not in {t.name for t in content.topics}:
        problems.append("Bitte wählen Sie ein Thema aus der Liste.")
    if project.district not in {*content.districts, CITYWIDE}:
        problems.append("Bitte wählen Sie einen Stadtteil aus der Liste.")
    if project.status not in {st.name for st in content.statuses}:
        problems.append("Bitte wählen Sie einen Stand aus der Liste.")
    return project, problems


@admin_only
async def projects_page(request: web.Request) -> web.Response:
    content = content_files(request)

    def work(session):
        return projects.all_projects(session), projects.untrained_names(
            session, content
        )

    listed, untrained = await db(request, work)
    return aiohttp_jinja2.render_template(
        "projects.html",
        request,
        {"projects": listed, "untrained": untrained, "retrain": RETRAIN_COMMAND},
    )


def _project_form(request, content, values, problems, slug=None, status=200):
    return aiohttp_jinja2.render_template(
        "project_form.html",
        request,
        {
            "values": values,
            "problems": problems,
            "slug": slug,
            "labels": PROJECT_LABELS,
            "topics": [t.name for t in content.topics],
            "districts": [CITYWIDE, *content.districts],
            "statuses": [st.name for st in content.statuses],
        },
        status=status,
    )


@admin_only
async def project_form(request: web.Request) -> web.Response:
    content = content_files(request)
    slug = request.match_info.get("slug")
    if slug is None:
        values = {name: "" for name in PROJECT_FIELDS}
        values.update(status=content.statuses[0].name, district=CITYWIDE)
        return _project_form(request, content, values, [])

    def work(session):
        project = projects.by_slug(session, slug)
        return projects.form_values(project) if project else None

    values = await db(request, work, read_only=True)
    if values is None:
        raise PageError(404, "Dieses Projekt gibt es nicht.")
    return _project_form(request, content, values, [], slug)


@admin_only
async def project_save(request: web.Request) -> web.StreamResponse:
    content = content_files(request)
    slug = request.match_info.get("slug")
    form = await request.post()
    item, problems = _validate_project(form, content)
    new_names: set[str] = set()
    if item and not problems:
        actor = request["user"].username
        problems, new_names = await db(
            request, lambda s: projects.save(s, slug, item, actor)
        )
    if problems:
        values = {name: str(form.get(name, "")) for name in PROJECT_FIELDS}
        return _project_form(request, content, values, problems, slug, 400)
    await flash(request, f"Das Projekt „{item.name}“ ist gespeichert.")
    if new_names:
        await flash(
            request,
            "Neue Namen erkennt der Assistent erst nach einem neuen Training: "
            + ", ".join(sorted(new_names))
            + f". Führen Sie dazu auf dem Server aus: {RETRAIN_COMMAND}",
            "hint",
        )
    raise redirect(request, "projects")
