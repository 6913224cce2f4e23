"""Callback requests: messages citizens left when nobody could chat live."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from actions.db import callbacks, threads
from bot.staff.helpers import REPLY_BUS, PageError, db, flash, redirect


async def callbacks_page(request: web.Request) -> web.Response:
    status = request.query.get("status") or None
    if status is not None and status not in callbacks.STATUS_LABELS:
        status = None
    rows = await db(request, lambda s: callbacks.listing(s, status), read_only=True)
    return aiohttp_jinja2.render_template(
        "callbacks.html",
        request,
        {"rows": rows, "status": status, "labels": callbacks.STATUS_LABELS},
    )


def _reference(request: web.Request) -> str:
    return request.match_info["reference"]


async def callback_page(request: web.Request) -> web.Response:
    reference = _reference(request)

    def work(session):
        row = callbacks.by_reference(session, reference)
        return (row, threads.for_callback(session, row.id)) if row else (None, [])

    row, answers = await db(request, work)
    if row is None:
        raise PageError(404, f"Die Nachricht {reference} gibt es nicht.")
    return aiohttp_jinja2.render_template(
        "callback.html",
        request,
        {"row": row, "labels": callbacks.STATUS_LABELS, "max": callbacks.MAX_ANSWER,
         "answers": answers, "answered": callbacks.answered_version(row)},
    )  # fmt: skip


async def _change(request: web.Request, work) -> web.StreamResponse:
    reference, actor = _reference(request), request["user"].username

    def change(session):
        row = callbacks.by_reference(session, reference)
        if row is None:
            raise callbacks.CallbackError(f"Die Nachricht {reference} gibt es nicht.")
        return work(session, row, actor)

    try:
        message = await db(request, change)
    except callbacks.CallbackError as refused:
        await flash(request, str(refused), "error")
    else:
        await flash(request, message)
    raise redirect(request, "callback", reference=reference)


async def set_status(request: web.Request) -> web.StreamResponse:
    status = str((await request.post()).get("status", ""))

    def work(session, row, actor):
        callbacks.set_status(session, row, status, actor)
        return f"Der Status ist jetzt „{callbacks.STATUS_LABELS[status]}“."

    return await _change(request, work)


async def answer(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    text, seen = str(form.get("text", "")), str(form.get("answered", ""))

    def work(session, row, actor):
        if callbacks.answer(session, row, text, actor, seen=seen):
            return "Die Antwort geht an den Chat der Bürgerin oder des Bürgers."
        return "Die Antwort ist gespeichert. Einen Chat gibt es nicht mehr: Bitte nutzen Sie die Kontaktangabe."

    try:
        return await _change(request, work)
    finally:
        request.app[REPLY_BUS].publish()
