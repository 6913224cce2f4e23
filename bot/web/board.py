"""The public board at /vorschlaege: published suggestions, their status, the
city's replies and their support. Server-rendered German HTML, no tracking."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from actions.db import board
from actions.db.session import Database
from actions.db.suggestions import STATUS_LABELS, normalize_reference
from core.german import local_time
from core.settings import Settings

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_PAGE = 1000
SORT_LABELS = {"neu": "Neueste zuerst", "unterstuetzt": "Meiste Unterstützung zuerst"}


def setup_board(app: web.Application, settings: Settings, db: Database) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        context_processors=[aiohttp_jinja2.request_processor],
    )
    env.filters["local"] = local_time(settings.tz)
    env.globals.update(status_labels=STATUS_LABELS, sort_labels=SORT_LABELS)
    handlers = BoardPages(db)
    app.router.add_get("/vorschlaege", handlers.list_page, name="board")
    app.router.add_get(
        "/vorschlaege/{reference}", handlers.entry_page, name="board_entry"
    )


def _filters(query, choices: dict[str, list[str]]) -> board.Filters:
    """Only known values filter; anything else is ignored, so every link works."""

    def known(name: str, allowed: list[str]) -> str | None:
        value = query.get(name, "")
        return value if value in allowed else None

    try:
        number = min(max(1, int(query.get("seite", "1"))), MAX_PAGE)
    except ValueError:
        number = 1
    return board.Filters(
        topic=known("thema", choices["topics"]),
        district=known("stadtteil", choices["districts"]),
        status=known("status", choices["statuses"]),
        sort=query.get("sortierung")
        if query.get("sortierung") in board.SORTS
        else "neu",
        page=number,
    )


class BoardPages:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def list_page(self, request: web.Request) -> web.Response:
        def work(session):
            choices = board.choices(session)
            filters = _filters(request.query, choices)
            entries, total = board.page(session, filters)
            return {"choices": choices, "filters": filters, "entries": entries,
                    "total": total}  # fmt: skip

        context = await self.db.run(work, read_only=True)
        filters = context["filters"]
        context["pages"] = max(1, -(-context["total"] // board.PER_PAGE))
        context["query"] = {
            key: value
            for key, value in (("thema", filters.topic), ("stadtteil", filters.district),
                               ("status", filters.status), ("sortierung", filters.sort))
            if value
        }  # fmt: skip
        return aiohttp_jinja2.render_template("board.html", request, context)

    async def entry_page(self, request: web.Request) -> web.Response:
        reference = normalize_reference(request.match_info["reference"])
        found = (
            await self.db.run(lambda s: board.entry(s, reference), read_only=True)
            if reference
            else None
        )
        if found is None:
            return aiohttp_jinja2.render_template(
                "board_missing.html", request, {}, status=404
            )
        if request.match_info["reference"] != reference:
            raise web.HTTPMovedPermanently(f"/vorschlaege/{reference}")
        return aiohttp_jinja2.render_template("board_entry.html", request, {"e": found})
