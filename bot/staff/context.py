"""What every staff page's template sees: aiohttp-jinja2 context processors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from actions.db.audit import ACTION_LABELS
from actions.db.suggestions import STATUS_LABELS
from bot.settings import Settings
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


def local_time(settings: Settings):
    """The `local` filter: a stored UTC time in the city's time zone."""

    def format_time(value: datetime | None, pattern: str = "%d.%m.%Y, %H:%M") -> str:
        if value is None:
            return "–"
        return value.astimezone(settings.tz).strftime(pattern)

    return format_time
