"""The assistant's answers, edited by staff: list, edit with preview, versions.

Every member may read the answers and how citizens rate them; admins change
them. A saved text is what the next message gets, on every Rasa worker
(bot/plugins/nlg.py); the questions an answer is given to still come from
the training data.
"""

from __future__ import annotations

from datetime import timedelta

import aiohttp_jinja2
from aiohttp import web

from actions.db import ratings
from actions.db import responses as answers
from actions.db.models import utcnow
from bot.staff.helpers import PageError, admin_only, db, flash, redirect
from core.leichte_sprache import check
from core.responses import (
    LEICHT,
    MAX_TEXT,
    VARIANTS,
    all_answers,
    group_of,
    leicht_names,
    placeholders,
    problems_of,
    usages,
)

RATED_DAYS = 90
RETRAIN_COMMAND = "smartcity nlu export-reviewed && make train"


def _name_and_variant(request: web.Request) -> tuple[str, str]:
    name, variant = request.match_info["answer"], request.match_info["variant"]
    if variant not in VARIANTS or name not in all_answers():
        raise PageError(404, "Diese Antwort gibt es nicht.")
    return name, variant


async def answers_page(request: web.Request) -> web.Response:
    def work(session):
        shares = ratings.share_by_response(
            session, utcnow() - timedelta(days=RATED_DAYS)
        )
        return answers.listing(session), shares

    rows, shares = await db(request, work, read_only=True)
    query = request.query.get("suche", "").strip()[:100]
    groups: dict[str, list] = {}
    for row in rows:
        if row.name not in all_answers():
            continue  # no longer shipped: Rasa does not use it
        if query and query.casefold() not in f"{row.name} {row.text}".casefold():
            continue
        groups.setdefault(group_of(row.name), []).append(row)
    return aiohttp_jinja2.render_template(
        "answers.html",
        request,
        {
            "groups": sorted(groups.items()),
            "shares": shares,
            "query": query,
            "variants": VARIANTS,
            "rated_days": RATED_DAYS,
        },
    )


def _form(request, row, text, problems, *, preview=False, status=200):
    shipped = all_answers()[row.name]
    return aiohttp_jinja2.render_template(
        "answer_form.html",
        request,
        {
            "row": row,
            "text": text,
            "problems": problems,
            "preview": preview,
            "buttons": shipped.buttons,
            "placeholders": sorted(placeholders(row.default_text)),
            "usages": usages().get(row.name, ()),
            "variants": VARIANTS,
            "max_text": MAX_TEXT,
            "retrain": RETRAIN_COMMAND,
            "down": request.get("down_comments", []),
            "share": request.get("share"),
            # A helper, no judge: shown, never blocking (core/leichte_sprache.py).
            "hints": check(text, leicht_names()) if row.variant == LEICHT else [],
        },
        status=status,
    )


async def _load(request, name, variant):
    def work(session):
        row = answers.get(session, name, variant)
        if row is None:
            return None, [], None
        share = ratings.share_by_response(
            session, utcnow() - timedelta(days=RATED_DAYS), response=name
        ).get(name)
        return row, ratings.last_down_comments(session, name), share

    row, down, share = await db(request, work, read_only=True)
    if row is None:
        raise PageError(404, "Diese Antwort ist noch nicht eingelesen.")
    request["down_comments"], request["share"] = down, share
    return row


async def answer_form(request: web.Request) -> web.Response:
    name, variant = _name_and_variant(request)
    row = await _load(request, name, variant)
    return _form(request, row, row.text, [])


@admin_only
async def answer_save(request: web.Request) -> web.StreamResponse:
    name, variant = _name_and_variant(request)
    form = await request.post()
    text = str(form.get("text", "")).replace("\r\n", "\n").strip()
    if form.get("action") == "preview":
        row = await _load(request, name, variant)
        return _form(
            request, row, text, problems_of(text, row.default_text), preview=True
        )
    actor = request["user"].username
    try:
        await db(request, lambda s: answers.edit(s, name, variant, text, actor))
    except answers.AnswerError as error:
        row = await _load(request, name, variant)
        return _form(request, row, text, error.problems, status=400)
    await flash(
        request, "Die Antwort ist gespeichert. Sie gilt ab der nächsten Nachricht."
    )
    raise redirect(request, "answer", answer=name, variant=variant)


@admin_only
async def answer_review(request: web.Request) -> web.StreamResponse:
    name, variant = _name_and_variant(request)
    if variant != LEICHT:
        raise PageError(404, "Geprüft werden Texte in Leichter Sprache.")
    form = await request.post()
    reviewed, actor = form.get("reviewed") == "1", request["user"].username
    await db(request, lambda s: answers.set_reviewed(s, name, variant, reviewed, actor))
    await flash(
        request,
        "Als geprüft von der Prüfgruppe markiert."
        if reviewed
        else "Die Markierung „geprüft“ ist zurückgenommen.",
    )
    raise redirect(request, "answer", answer=name, variant=variant)


@admin_only
async def answer_restore(request: web.Request) -> web.StreamResponse:
    name, variant = _name_and_variant(request)
    form = await request.post()
    actor = request["user"].username
    version = str(form.get("version", ""))
    try:
        if version == "default":
            await db(request, lambda s: answers.reset(s, name, variant, actor))
        # ASCII digits only, and few: "²" passes isdigit() and int() refuses
        # it; a number beyond the column would fail in PostgreSQL.
        elif version.isascii() and version.isdigit() and len(version) <= 9:
            await db(
                request,
                lambda s: answers.restore(s, name, variant, int(version), actor),
            )
        else:
            raise answers.AnswerError(["Diese Fassung gibt es nicht."])
    except answers.AnswerError as error:
        await flash(request, " ".join(error.problems), "error")
    else:
        await flash(request, "Die frühere Fassung gilt wieder.")
    raise redirect(request, "answer", answer=name, variant=variant)
