"""The dashboard at /staff: charts, the citizens' 👍 share per answer, who
follows what, and the questions the assistant could not answer."""

from __future__ import annotations

import asyncio
from functools import partial

import aiohttp_jinja2
from aiohttp import web

from actions.db import follows, ratings, stats, supports, turnaround
from actions.db.models import utcnow
from actions.db.turnaround import Turnaround, Turnarounds
from bot.staff import charts
from bot.staff.helpers import SETTINGS, db

FOLLOWED = {"topic": "Thema", "district": "Stadtteil", "project": "Projekt",
            "suggestion": "Vorschlag"}  # fmt: skip

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
            "answer_times": _answer_times(
                turnaround.recent(session, now=request.app[SETTINGS].now())
            ),
            "followed": _followed(session),
        }

    return await db(request, work)


def _answer_times(figures: Turnarounds) -> list[tuple[str, Turnaround | None, int]]:
    """(topic, figure, answered cases) for all topics first, then each topic
    with a case; the figure is None with fewer than turnaround.MIN_CASES."""
    per_topic = [(t, f, f.cases) for t, f in figures.topics.items()]
    per_topic += [(t, None, cases) for t, cases in figures.too_few.items()]
    total = sum(cases for _, _, cases in per_topic)
    if not total:
        return []
    per_topic.sort(key=lambda row: row[0])
    return [("Alle Themen", figures.overall, total), *per_topic]


def _followed(session) -> list[tuple[str, str, str | None, int]]:
    """(kind, name, public title of a suggestion, followers): per kind, the
    most followed first."""
    counted = follows.counts(session)
    titles = follows.suggestion_titles(session, list(counted["suggestion"]))
    return [
        (FOLLOWED[kind], value, titles.get(value) if kind == "suggestion" else None,
         count)
        for kind in follows.KINDS
        for value, count in sorted(counted[kind].items(), key=lambda i: (-i[1], i[0]))
    ]  # fmt: skip


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
            "answer_window_days": turnaround.WINDOW.days,
            "min_cases": turnaround.MIN_CASES,
            "answer_refresh_minutes": round(turnaround.FRESH_SECONDS / 60),
            "digest_hour": settings.follow_digest_hour,
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
