"""The staff app, mounted under /staff by bot.server (aiohttp-demos `polls` shape)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from redis.asyncio import Redis

from bot.shared.redis_state import RedisLoginThrottle
from bot.shared.services import Services
from bot.staff import middlewares
from bot.staff.audit_text import actor_label, change_text
from bot.staff.context import CHANNEL_LABELS, language_note, page_context
from bot.staff.helpers import DATABASE, PREFIX, RASA, REPLY_BUS, SETTINGS, THROTTLE
from bot.staff.routes import setup_routes
from bot.staff.throttle import LoginThrottle
from core.german import local_time
from core.settings import Settings

__all__ = ["PREFIX", "create_staff_app"]
TEMPLATES = Path(__file__).resolve().parent / "templates"


STAFF_PERMISSIONS = "camera=(), microphone=(), geolocation=()"


async def _no_store(_request: web.Request, response: web.StreamResponse) -> None:
    if response.content_type in ("text/html", "text/csv"):  # pages hold personal data
        response.headers.setdefault("Cache-Control", "no-store")
    # Only the widget asks for a position; staff pages need no device access.
    response.headers["Permissions-Policy"] = STAFF_PERMISSIONS


async def _running(services: Services) -> AsyncIterator[None]:
    async with services.running():
        yield


def create_staff_app(
    settings: Settings, redis: Redis | None = None, services: Services | None = None
) -> web.Application:
    """Mounted under /staff by bot.server with the process's `services`; on
    its own it builds and opens its own (a test, a separate staff host)."""
    app = web.Application(
        middlewares=[
            middlewares.errors,
            *middlewares.session(settings),
            middlewares.csrf,
            middlewares.login,
        ]
    )
    if services is None:
        services = Services.build(settings, redis)
        app.cleanup_ctx.append(lambda _app: _running(services))
    app[SETTINGS] = settings
    app[DATABASE] = services.db
    # The live chat reads transcripts and resumes conversations through Rasa's API.
    app[RASA] = services.rasa
    # A message to a citizen is delivered at once on every channel of the process.
    app[REPLY_BUS] = services.bus
    redis = services.redis
    app[THROTTLE] = (
        RedisLoginThrottle(redis, settings.staff_login_attempts)
        if redis is not None
        else LoginThrottle(settings.staff_login_attempts)
    )
    # Appends the context processors' middleware: innermost, after the login.
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        context_processors=[page_context],
    )
    env.filters["local"] = local_time(settings.tz)
    env.filters["change"] = change_text(settings.tz)
    env.filters["actor"] = actor_label
    env.filters["channel"] = lambda name: CHANNEL_LABELS.get(name, name)
    env.filters["language"] = language_note
    setup_routes(app)
    app.on_response_prepare.append(_no_store)
    return app
