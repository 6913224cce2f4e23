"""The dashboard at /staff: charts, the citizens' 👍 share per answer, and the
questions the assistant could not answer."""

from __future__ import annotations

import asyncio
from functools import partial

import aiohttp_jinja2
from aiohttp import web

from actions.db import ratings, stats, supports
from actions.db.models import utcnow
from bot.staff import charts
from bot.staff.helpers import SETTINGS, db

# Drawn from our own figures with no script in them; matplotlib's SVG needs
# inline style attributes, which the pages' policy rightly forbids.
CHART_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
RATING_WEEKS = 8


async def _figures(request: web.Request) -> dict:
    tz = request.app[SETTINGS].tz

    def work(session):
        return {
            "weeks": stats.per_week(session, tz),
            "topics": stats.per_topic(session),
            "statuses": stats.per_status(session),
            "ratings": _ratings(session, request),
            "bursts": supports.bursts(session, now=utcnow()),
        }

    return await db(request, work)


def _ratings(session, request: web.Request) -> dict:
    settings = request.app[SETTINGS]
    mondays, answers = ratings.shares(
        session, weeks=RATING_WEEKS, now=settings.now(), tz=settings.tz
    )
    overall = ratings.overall(answers, len(mondays))
    rows = [("Alle Antworten", "", overall)] + [
        (ratings.answer_name(a.response), a.intent, a.weeks) for a in answers
    ]
    return {
        "labels": [f"KW {m.isocalendar()[1]}" for m in mondays],
        "overall": overall,
        # (answer, intent, [(👍, all) per week], (👍, all) in total)
        "rows": [
            (name, intent, weeks, (sum(w[0] for w in weeks), sum(w[1] for w in weeks)))
            for name, intent, weeks in rows
        ]
        if answers
        else [],
    }


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
            "percent": ratings.percent,
            "supports_per_address": settings.supports_per_address_per_day,
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
    elif name == "bewertung":
        shown = await db(request, lambda s: _ratings(s, request), read_only=True)
        percents = [ratings.percent(*week) for week in shown["overall"]]
        draw = partial(charts.shares, shown["labels"], percents,
                       "Anteil 👍 an den Bewertungen pro Woche")  # fmt: skip
    else:
        raise web.HTTPNotFound()
    svg = await asyncio.to_thread(draw)
    return web.Response(
        body=svg,
        content_type="image/svg+xml",
        headers={"Cache-Control": "no-store", "Content-Security-Policy": CHART_POLICY},
    )
