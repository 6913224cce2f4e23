"""The staff app, mounted under /staff by bot.server (aiohttp-demos `polls` shape)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from redis.asyncio import Redis

from bot.shared.rasa_client import RasaClient
from bot.shared.redis_state import RedisLoginThrottle
from bot.staff import middlewares
from bot.staff.audit_text import actor_label, change_text
from bot.staff.context import CHANNEL_LABELS, page_context
from bot.staff.helpers import PREFIX, RASA, SETTINGS, THROTTLE
from bot.staff.routes import setup_routes
from bot.staff.throttle import LoginThrottle
from core.german import local_time
from core.secret_key import rasa_api_token
from core.settings import Settings

__all__ = ["PREFIX", "create_staff_app"]
TEMPLATES = Path(__file__).resolve().parent / "templates"


STAFF_PERMISSIONS = "camera=(), microphone=(), geolocation=()"


async def _no_store(_request: web.Request, response: web.StreamResponse) -> None:
    if response.content_type in ("text/html", "text/csv"):  # pages hold personal data
        response.headers.setdefault("Cache-Control", "no-store")
    # Only the widget asks for a position; staff pages need no device access.
    response.headers["Permissions-Policy"] = STAFF_PERMISSIONS


async def _rasa_session(app: web.Application) -> AsyncIterator[None]:
    async with app[RASA]:
        yield


def create_staff_app(settings: Settings, redis: Redis | None = None) -> web.Application:
    app = web.Application(
        middlewares=[
            middlewares.errors,
            *middlewares.session(settings),
            middlewares.csrf,
            middlewares.login,
        ]
    )
    app[SETTINGS] = settings
    # The live chat reads transcripts and resumes conversations through Rasa's API.
    app[RASA] = RasaClient(
        settings.rasa_url,
        settings.action_health_url,
        settings.rasa_timeout,
        api_token=rasa_api_token(settings),
    )
    app.cleanup_ctx.append(_rasa_session)
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
    setup_routes(app)
    app.on_response_prepare.append(_no_store)
    return app
