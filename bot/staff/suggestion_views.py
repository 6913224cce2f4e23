"""Inbox, detail view, review actions, CSV export and the audit log."""

from __future__ import annotations

import asyncio
from datetime import datetime

import aiohttp_jinja2
from aiohttp import web

from actions.db import (
    accounts,
    audit,
    inbox,
    notifications,
    photos,
    review,
    supports,
    threads,
)
from actions.db.inbox import InboxFilter
from actions.db.models import utcnow
from actions.db.similar import Idea, similar
from actions.db.suggestions import normalize_reference
from bot.staff.export import to_csv
from bot.staff.helpers import SETTINGS, PageError, admin_only, db, flash, redirect
from core.deletion_journal import SUGGESTION, note

ONLY_ADMINS_PUBLISH = (
    "Veröffentlichen dürfen nur Administratorinnen und Administratoren."
)
UNJOURNALED = (
    "Das Löschprotokoll ließ sich nicht schreiben: Nach einer Wiederherstellung "
    "aus einer Sicherung wäre der Vorschlag wieder da. Bitte die IT informieren."
)
AUDIT_PAGE_SIZE = 50
MAX_PAGE = 100_000  # beyond it an OFFSET overflows PostgreSQL's bigint


async def inbox_page(request: web.Request) -> web.Response:
    wanted = InboxFilter.from_query(request.query)
    settings = request.app[SETTINGS]
    result = await db(
        request,
        lambda s: inbox.search(s, wanted, settings.tz, now=settings.now()),
        read_only=True,
    )
    return aiohttp_jinja2.render_template(
        "suggestions.html",
        request,
        {"filter": wanted, "result": result, "sorts": inbox.SORTS},
    )


async def export_csv(request: web.Request) -> web.Response:
    wanted = InboxFilter.from_query(request.query)
    user = request["user"]
    tz = request.app[SETTINGS].tz

    rows, photo_counts, support_counts = await db(
        request,
        lambda s: (inbox.matching(s, wanted, tz), photos.counts(s), supports.counts(s)),
        read_only=True,
    )
    await db(
        request,
        lambda s: audit.record(
            s,
            user.username,
            "csv_exported",
            "export",
            "suggestions",
            None,
            {"filter": wanted.to_query(page=1), "rows": len(rows)},
        ),
    )
    # Building 10,000 rows takes half a second: off the loop, outside a transaction.
    body = await asyncio.to_thread(
        to_csv, rows, tz, with_contact=user.is_admin, photo_counts=photo_counts,
        support_counts=support_counts,
    )  # fmt: skip
    stamp = datetime.now(tz).strftime("%Y-%m-%d")
    return web.Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="vorschlaege-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


async def detail_page(request: web.Request) -> web.Response:
    reference = request.match_info["reference"]

    def work(session):
        suggestion = review.load(session, reference)
        if suggestion is None:
            return None
        return {
            "suggestion": suggestion,
            "next_statuses": review.next_statuses(suggestion),
            "staff": accounts.active_names(session),
            "duplicate_of": review.duplicate_reference(session, suggestion),
            "duplicates": review.duplicates_of(session, suggestion),
            "notifications": notifications.for_suggestion(session, suggestion.id),
            "photos": photos.of_suggestion(session, suggestion.id),
            "can_be_duplicate": "duplikat" in review.TRANSITIONS[suggestion.status],
            "supporters": supports.count(session, suggestion.id),
            "burst": supports.burst(session, suggestion.id, now=utcnow()),
            "similar": _similar(session, suggestion),
            "answers": threads.for_suggestion(session, suggestion.id),
        }

    context = await db(request, work, read_only=True)
    if context is None:
        raise PageError(404, f"Den Vorschlag „{reference}“ gibt es nicht.")
    context["back"] = request.query.get("zurueck", "")
    # Without SMTP_HOST, e-mail rows wait until a mail server is set up.
    context["mail_on"] = request.app[SETTINGS].smtp is not None
    return aiohttp_jinja2.render_template("suggestion.html", request, context)


def _similar(session, suggestion) -> list[dict]:
    """Open suggestions like this one, published or not: staff only."""
    found = similar(session, Idea.of(suggestion), published_only=False,
                    exclude_id=suggestion.id, limit=5)  # fmt: skip
    counts = supports.counts(session, [s.id for s, _ in found])
    return [{"suggestion": s, "score": score, "supporters": counts.get(s.id, 0)}
            for s, score in found]  # fmt: skip


async def photo(request: web.Request) -> web.Response:
    """One photo of a suggestion, for staff only (behind the login like every page)."""
    reference = normalize_reference(request.match_info["reference"])
    photo_id = int(request.match_info["photo_id"])

    def work(session):
        suggestion = review.load(session, reference) if reference else None
        found = suggestion and photos.content(session, suggestion.id, photo_id)
        return (found.content, found.media_type) if found else None

    found = await db(request, work, read_only=True)
    if found is None:
        raise PageError(404, "Dieses Foto gibt es nicht.")
    content, media_type = found
    return web.Response(
        body=content,
        content_type=media_type,
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'inline; filename="foto-{reference}-{photo_id}.jpg"',
        },
    )


def _action(change):
    """A POST that changes a suggestion, then back to its page with a message."""

    async def handle(request: web.Request) -> web.StreamResponse:
        reference = normalize_reference(request.match_info["reference"])
        if reference is None:
            raise PageError(404, "Diesen Vorschlag gibt es nicht.")
        form = await request.post()
        actor = request["user"].username
        try:
            message = await db(request, lambda s: change(s, reference, form, actor))
        except review.ReviewError as error:
            await flash(request, str(error), "error")
        else:
            await flash(request, message)
        raise redirect(request, "suggestion", reference=reference)

    return handle


def _set_status(session, reference, form, actor) -> str:
    to_status = str(form.get("status", ""))
    review.set_status(
        session,
        reference,
        to_status,
        actor=actor,
        public_note=str(form.get("public_note", "")),
        on_board=form.get("on_board") == "1",
        internal_note=str(form.get("internal_note", "")),
    )
    label = review.STATUS_LABELS[to_status]
    return f"Der Status ist jetzt „{label}“."


def _assign(session, reference, form, actor) -> str:
    suggestion = review.assign(
        session, reference, str(form.get("assignee", "")), actor=actor
    )
    if suggestion.assigned_to:
        return f"Zuständig ist jetzt {suggestion.assigned_to}."
    return "Die Zuständigkeit ist aufgehoben."


def _duplicate(session, reference, form, actor) -> str:
    suggestion = review.mark_duplicate(
        session,
        reference,
        str(form.get("original", "")).strip(),
        actor=actor,
        public_note=str(form.get("public_note", "")),
        on_board=form.get("on_board") == "1",
    )
    original = review.duplicate_reference(session, suggestion)
    return f"Als Duplikat von {original} markiert."


def _message(session, reference, form, actor) -> str:
    review.send_message(session, reference, str(form.get("message", "")), actor=actor)
    return "Die Nachricht geht an die Person. Ihre Antwort erscheint hier."


def _hide(session, reference, form, actor) -> str:
    hidden = form.get("hidden") == "1"
    review.set_hidden(session, reference, hidden, actor=actor)
    return "Als Spam ausgeblendet." if hidden else "Wieder eingeblendet."


def _publish(session, reference, form, actor) -> str:
    if form.get("publish") == "0":
        review.unpublish(session, reference, actor=actor)
        return "Nicht mehr öffentlich."
    suggestion = review.publish(
        session, reference, str(form.get("title", "")), actor=actor
    )
    return f"Öffentlich als „{suggestion.public_title}“."


set_status = _action(_set_status)
assign = _action(_assign)
duplicate = _action(_duplicate)
hide = _action(_hide)
message = _action(_message)
_change_publication = _action(_publish)


async def publish(request: web.Request) -> web.StreamResponse:
    """Only admins put an idea on the public board or retitle it; every
    member may take it off, the safe direction."""
    form = await request.post()
    if form.get("publish") != "0" and not request["user"].is_admin:
        reference = normalize_reference(request.match_info["reference"])
        if reference is None:
            raise PageError(404, "Diesen Vorschlag gibt es nicht.")
        await flash(request, ONLY_ADMINS_PUBLISH, "error")
        raise redirect(request, "suggestion", reference=reference)
    return await _change_publication(request)


@admin_only
async def audit_page(request: web.Request) -> web.Response:
    try:
        page = min(max(1, int(request.query.get("seite", "1"))), MAX_PAGE)
    except ValueError:
        page = 1
    offset = (page - 1) * AUDIT_PAGE_SIZE
    entries, total = await db(
        request,
        lambda s: audit.page(s, offset=offset, limit=AUDIT_PAGE_SIZE),
        read_only=True,
    )
    pages = max(1, -(-total // AUDIT_PAGE_SIZE))
    return aiohttp_jinja2.render_template(
        "audit.html",
        request,
        {"entries": entries, "page": page, "pages": pages, "total": total},
    )


@admin_only
async def delete_suggestion(request: web.Request) -> web.StreamResponse:
    """Erase a suggestion when its author asks by e-mail or letter (Art. 17 GDPR)."""
    reference = normalize_reference(request.match_info["reference"])
    if reference is None:
        raise PageError(404, "Diesen Vorschlag gibt es nicht.")
    form = await request.post()
    if form.get("confirm") != "1":
        await flash(request, "Bitte bestätigen Sie das Löschen.", "error")
        raise redirect(request, "suggestion", reference=reference)
    actor = request["user"].username
    try:
        await db(request, lambda s: review.delete(s, reference, actor=actor))
    except review.ReviewError as error:
        await flash(request, str(error), "error")
        raise redirect(request, "suggestions") from None
    # A restore of an older backup deletes it again (core.deletion_journal).
    journal = request.app[SETTINGS].deletion_journal
    if not await asyncio.to_thread(note, journal, SUGGESTION, reference=reference):
        await flash(request, UNJOURNALED, "error")
    await flash(request, f"Der Vorschlag {reference} ist gelöscht.")
    raise redirect(request, "suggestions")
