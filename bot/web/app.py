"""The citizens' web app: widget, demo pages and the chat API.

bot.server mounts the staff app and Telegram beside it; Rasa stays on
loopback behind them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from actions.db.session import Database
from bot.shared.expiry import Expiry
from bot.shared.gateway import ConversationGateway
from bot.shared.rasa_client import RasaClient
from bot.shared.redis_state import RedisButtonMemory, RedisRateLimits
from bot.shared.services import ReplyBus, Services
from bot.web.board import setup_board
from bot.web.chat import ChatApi
from bot.web.errors import errors_in_the_widget_language
from bot.web.headers import add_security_headers, allow_origins
from bot.web.live_stream import LiveStreams, live_stream
from bot.web.request_ids import request_ids
from bot.web.unsubscribe import setup_unsubscribe
from core.settings import Settings

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
STATIC = Path(__file__).resolve().parent / "static"
PAGES = {
    "/": "index.html",
    "/datenschutz": "datenschutz.html",
    "/privacy": "privacy.html",  # in English (issue 34)
    # The BITV explanations in Leichter Sprache (issue 33.4).
    "/leichte-sprache": "leichte-sprache.html",
    "/widget.js": "widget.js",
    "/widget.css": "widget.css",
    "/demo.css": "demo.css",
    "/board.js": "board.js",
}

SETTINGS = web.AppKey("settings", Settings)
RASA = web.AppKey("rasa", RasaClient)
GATEWAY = web.AppKey("gateway", ConversationGateway)
CHAT = web.AppKey("chat", ChatApi)
REDIS = web.AppKey("redis", object)  # redis.asyncio.Redis, or None without REDIS_URL
REPLY_BUS = web.AppKey("reply_bus", ReplyBus)
DATABASE = web.AppKey("database", Database)


async def _running(services: Services) -> AsyncIterator[None]:
    async with services.running():
        yield


async def _expiry(app: web.Application) -> AsyncIterator[None]:
    """Waiting photos and address keys go by themselves (bot.shared.expiry)."""
    async with Expiry(app[DATABASE]).running():
        yield


def _file(name: str):
    async def serve(_request: web.Request) -> web.FileResponse:
        # no-cache: browsers revalidate (ETag), so a new widget reaches everyone.
        return web.FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

    return serve


def create_app(
    settings: Settings, redis=None, services: Services | None = None
) -> web.Application:
    """With `services` (bot.server), the Rasa client, Redis and the reply bus
    are the process's; without, the app builds and opens its own."""
    app = web.Application(
        client_max_size=MAX_BODY_BYTES,
        middlewares=[
            request_ids(settings.trusted_proxies),
            errors_in_the_widget_language,
        ],
    )
    if services is None:
        services = Services.build(settings, redis)
        app.cleanup_ctx.append(lambda _app: _running(services))
    app[SETTINGS] = settings
    app[DATABASE] = services.db
    app[REDIS] = services.redis
    app[RASA] = services.rasa
    app[REPLY_BUS] = services.bus
    # One gateway for every channel: Telegram (bot.server) takes it from here.
    app[GATEWAY] = ConversationGateway(
        settings,
        services.db,
        services.rasa,
        RedisButtonMemory(services.redis) if services.redis else None,
    )
    chat = app[CHAT] = ChatApi(
        settings,
        app[GATEWAY],
        RedisRateLimits(services.redis) if services.redis else None,
    )
    for path, name in PAGES.items():
        app.router.add_get(path, _file(name), name=name.replace(".", "_"))
    app.router.add_post("/api/chat", chat.chat, name="chat")
    app.router.add_get("/api/notifications", chat.notifications, name="notifications")
    app.router.add_post(
        "/api/notifications/seen", chat.notifications_seen, name="notifications_seen"
    )
    app.router.add_post("/api/forget", chat.forget, name="forget")
    app.router.add_get("/api/forget", chat.left, name="left")
    streams = LiveStreams()

    async def live(request: web.Request) -> web.StreamResponse:
        return await live_stream(chat, services.bus.streams, streams, request)

    app.router.add_get("/api/live", live, name="live")
    app.router.add_post("/api/photos", chat.photo, name="photos")
    setup_board(app, settings, services.db, chat.allowed)
    setup_unsubscribe(app, settings, chat)
    allow_origins(app, settings.web_allowed_origins)
    app.on_response_prepare.append(add_security_headers)
    app.cleanup_ctx.append(_expiry)
    return app
