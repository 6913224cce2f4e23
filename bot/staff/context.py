"""What every staff page's template sees: aiohttp-jinja2 context processors."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from actions.db.audit import ACTION_LABELS
from actions.db.suggestions import STATUS_LABELS
from bot.staff.sessions import csrf_token

CHANNEL_LABELS = {"web": "Website-Chat", "telegram": "Telegram", "rest": "REST-API"}


async def page_context(request: web.Request) -> dict[str, Any]:
    session = await get_session(request)
    return {
        "user": request.get("user"),
        "csrf_token": csrf_token(session),
        # Taken when the page shows them, so a redirect keeps them for the next.
        "flashed": lambda: session.pop("flash", []),
        "path": request.path,
        "status_labels": STATUS_LABELS,
        "action_labels": ACTION_LABELS,
    }
