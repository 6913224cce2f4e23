"""The dashboard at /staff: charts and the questions the assistant could not answer."""

from __future__ import annotations

import asyncio
from functools import partial

import aiohttp_jinja2
from aiohttp import web

from actions.db import stats
from bot.staff import charts
from bot.staff.helpers import SETTINGS, db

# Drawn from our own figures with no script in them; matplotlib's SVG needs
# inline style attributes, which the pages' policy rightly forbids.
CHART_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


async def _figures(request: web.Request) -> dict:
    tz = request.app[SETTINGS].tz

    def work(session):
        return {
            "weeks": stats.per_week(session, tz),
            "topics": stats.per_topic(session),
            "statuses": stats.per_status(session),
        }

    return await db(request, work)


async def dashboard(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    figures = await _figures(request)
    unanswered = await asyncio.to_thread(stats.unanswered, settings.tracker_store_url)
    return aiohttp_jinja2.render_template(
        "dashboard.html",
        request,
        {
            **figures,
            "week_rows": list(zip(*figures["weeks"], strict=True)),
            "unanswered": unanswered,
            "days": stats.UNANSWERED_DAYS,
        },
    )


async def chart(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    tz = request.app[SETTINGS].tz
    if name == "woche":
        weeks = await db(request, lambda s: stats.per_week(s, tz))
        draw = partial(charts.columns, *weeks, "Vorschläge pro Woche")
    elif name in ("thema", "status"):
        figure = stats.per_topic if name == "thema" else stats.per_status
        pairs = await db(request, figure)
        title = "Vorschläge nach Thema" if name == "thema" else "Vorschläge nach Status"
        labels = [label for label, _ in pairs]
        draw = partial(charts.bars, labels, [value for _, value in pairs], title)
    else:
        raise web.HTTPNotFound()
    svg = await asyncio.to_thread(draw)
    return web.Response(
        body=svg,
        content_type="image/svg+xml",
        headers={"Cache-Control": "no-store", "Content-Security-Policy": CHART_POLICY},
    )
