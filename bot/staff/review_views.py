"""What the assistant did not understand, per week: staff see the messages
grouped by wording; admins say which intent or FAQ answer each should have been,
or that it is out of scope. `smartcity nlu export-reviewed` turns that into
training data.

Every staff member may read the page, as the dashboard's "Fragen ohne Antwort":
its cost is bounded by the caps of actions/db/nlu_review.py and a week is
grouped once while its messages stay the same. Only admins assign, and only
wordings the page shows."""

from __future__ import annotations

import asyncio
import functools
from datetime import date, timedelta

import aiohttp_jinja2
from aiohttp import web

from actions.db import nlu_review
from bot.staff.helpers import SETTINGS, admin_only, db, flash, url
from core.settings import PROJECT_ROOT

DOMAIN = PROJECT_ROOT / "domain.yml"


@functools.lru_cache(maxsize=1)
def targets() -> tuple[str, ...]:
    return tuple(nlu_review.targets(DOMAIN))


def _week(request: web.Request, value: str | None) -> date:
    """The Monday of ?woche=2026-W49; this week when missing or wrong."""
    settings = request.app[SETTINGS]
    today = settings.now().astimezone(settings.tz).date()
    this_week = today - timedelta(days=today.weekday())
    try:
        year, week = (value or "").upper().split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return this_week
    return min(monday, this_week)


def _label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


async def _review(request: web.Request, monday: date) -> tuple[nlu_review.Review, bool]:
    """The week's groups as the page shows them, and whether the tracker store
    was unreadable."""
    settings = request.app[SETTINGS]
    since, until = nlu_review.week_bounds(monday, settings.tz)
    found = await asyncio.to_thread(
        nlu_review.missed, settings.tracker_store_url, since, until
    )
    rated = await db(
        request, lambda s: nlu_review.rated_down(s, since, until), read_only=True
    )
    messages = [*(found or []), *rated]
    return await asyncio.to_thread(nlu_review.REVIEWS.review, messages), found is None


async def review_page(request: web.Request) -> web.Response:
    monday = _week(request, request.query.get("woche"))
    review, unreadable = await _review(request, monday)
    groups = review.groups
    keys = [nlu_review.text_key(g.text) for g in groups]
    decided = await db(request, lambda s: nlu_review.decisions(s, keys), read_only=True)
    this_week = _week(request, None)
    return aiohttp_jinja2.render_template(
        "review.html",
        request,
        {
            "groups": groups,
            "review": review,
            "max_wordings": nlu_review.MAX_WORDINGS,
            "unreadable": unreadable,
            "decided": {
                g.text: decided.get(nlu_review.text_key(g.text)) for g in groups
            },
            "week": _label(monday),
            "week_start": monday,
            "week_end": monday + timedelta(days=6),
            "previous": _label(monday - timedelta(weeks=1)),
            "next": _label(monday + timedelta(weeks=1)) if monday < this_week else None,
            "targets": targets(),
        },
    )


@admin_only
async def decide(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    texts = [str(t) for t in form.getall("text", [])][:200]
    intent = str(form.get("intent") or "") or None
    monday = _week(request, str(form.get("woche") or ""))
    actor = request["user"].username
    # What the page of that week shows now: a form of before or a forged one
    # cannot bring other texts into the training data.
    offered = (await _review(request, monday))[0].offered()
    try:
        count, refused = await db(
            request,
            lambda s: nlu_review.decide(
                s, texts, intent, offered=offered, allowed=list(targets()),
                actor=actor,
            ),
        )  # fmt: skip
    except nlu_review.ReviewError as error:
        await flash(request, str(error), "error")
    else:
        what = f"„{intent}“ zugeordnet" if intent else "ohne Zuordnung"
        await flash(request, f"{count} Formulierung(en) {what}.")
        if refused:
            await flash(
                request,
                f"{refused} Formulierung(en) stehen nicht mehr in der Liste "
                "und wurden nicht übernommen.",
                "error",
            )
    raise web.HTTPSeeOther(url(request, "review", {"woche": _label(monday)}))
