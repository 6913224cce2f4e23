"""Admin pages for projects, with the hint which names need a retrain."""

from __future__ import annotations

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from actions.db.audit import record
from actions.db.content import (
    CITYWIDE,
    PROJECT_STATUSES,
    Content,
    ProjectIn,
    apply_project,
    load_content,
)
from actions.db.models import STAFF_SOURCE, Project, utcnow
from bot.staff.app import (
    SETTINGS,
    add_form_routes,
    admin_only,
    db,
    error_page,
    flash,
    redirect,
    render,
)

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


def content_files(request: web.Request) -> Content:
    """Topics, districts and the projects the next training will know."""
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
        project = Project(slug=item.slug, source=STAFF_SOURCE)
        session.add(project)
    else:
        project.staff_edited_at = utcnow()  # content imports no longer overwrite it
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
    content = content_files(request)

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
    content = content_files(request)
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
    content = content_files(request)
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


def add_routes(app: web.Application) -> None:
    add_form_routes(
        app,
        "/projects",
        listing=projects_page,
        form=project_form,
        save=project_save,
        key="slug",
    )
