"""What every staff page's template sees: aiohttp-jinja2 context processors."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from actions.db import live
from actions.db.audit import ACTION_LABELS
from actions.db.suggestions import STATUS_LABELS
from bot.staff.helpers import db
from bot.staff.sessions import csrf_token

CHANNEL_LABELS = {"web": "Website-Chat", "telegram": "Telegram", "rest": "REST-API"}
# The citizen's language (issue 34); the team may answer in it or in German.
LANGUAGE_LABELS = {"en": "auf Englisch", "leicht": "in Leichter Sprache"}


def language_note(language: str | None) -> str:
    """ " · auf Englisch" after a channel, or nothing for standard German."""
    label = LANGUAGE_LABELS.get(language or "")
    return f" · {label}" if label else ""


async def page_context(request: web.Request) -> dict[str, Any]:
    session = await get_session(request)
    waiting = 0
    if request.get("user") is not None:
        waiting = await db(request, live.waiting_count, read_only=True)
    return {
        "live_waiting": waiting,
        "user": request.get("user"),
        "csrf_token": csrf_token(session),
        # Taken when the page shows them, so a redirect keeps them for the next.
        "flashed": lambda: session.pop("flash", []),
        "path": request.path,
        "status_labels": STATUS_LABELS,
        "action_labels": ACTION_LABELS,
    }
