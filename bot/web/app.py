"""The aiohttp application that faces the outside; Rasa stays on loopback behind it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from bot.rasa_client import RasaClient
from bot.redis_state import RedisRateLimits, connect
from bot.settings import Settings
from bot.staff.app import mount as mount_staff
from bot.telegram.service import TelegramService
from bot.web.chat import ChatApi
from bot.web.security import add_security_headers, allow_origins

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
STATIC = Path(__file__).resolve().parent / "static"
PAGES = {
    "/": "index.html",
    "/datenschutz": "datenschutz.html",
    "/widget.js": "widget.js",
    "/widget.css": "widget.css",
    "/demo.css": "demo.css",
}

SETTINGS = web.AppKey("settings", Settings)
RASA = web.AppKey("rasa", RasaClient)
CHAT = web.AppKey("chat", ChatApi)
TELEGRAM = web.AppKey("telegram", TelegramService)
REDIS = web.AppKey("redis", object)  # redis.asyncio.Redis, or None without REDIS_URL


async def healthz(request: web.Request) -> web.Response:
    """200 while everything that should run does; 503 when news cannot go out."""
    telegram = request.app.get(TELEGRAM)
    outbox = telegram.outbox.state if telegram else "off"
    healthy = outbox in ("off", "stopped", "running")
    return web.json_response(
        {
            "status": "ok" if healthy else "degraded",
            "telegram": telegram.state if telegram else "off",
            "outbox": outbox,
        },
        status=200 if healthy else 503,
    )


async def _rasa_client(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    async with RasaClient(
        settings.rasa_url, settings.action_health_url, settings.rasa_timeout
    ) as client:
        app[RASA] = client
        redis = app[REDIS]
        app[CHAT] = ChatApi(settings, client, RedisRateLimits(redis) if redis else None)
        yield


async def _telegram(app: web.Application) -> AsyncIterator[None]:
    service = TelegramService(app[SETTINGS], app[RASA], app[REDIS])
    app[TELEGRAM] = service
    # Started in the background: the web app serves even while Telegram is away.
    starting = asyncio.create_task(service.start(), name="telegram-start")

    async def stop(_app: web.Application) -> None:
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starting
        await service.stop()

    # On shutdown, not on cleanup: aiohttp waits for running tasks in between,
    # and polling and the outbox would keep it waiting for the whole timeout.
    app.on_shutdown.append(stop)
    yield
    await stop(app)


async def _telegram_webhook(request: web.Request) -> web.Response:
    return await request.app[TELEGRAM].handle_webhook(request)


async def _close_redis(app: web.Application) -> None:
    await app[REDIS].close()


def _file(name: str):
    async def serve(_request: web.Request) -> web.FileResponse:
        # no-cache: browsers revalidate (ETag), so a new widget reaches everyone.
        return web.FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

    return serve


def _api(method: str):
    async def handle(request: web.Request) -> web.StreamResponse:
        return await getattr(request.app[CHAT], method)(request)

    return handle


def create_app(settings: Settings) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    # Connects on first use; shared by the chat API, staff logins and Telegram.
    app[REDIS] = connect(settings.redis_url) if settings.redis_url else None
    app.router.add_get("/healthz", healthz)
    for path, name in PAGES.items():
        app.router.add_get(path, _file(name))
    app.router.add_post("/api/chat", _api("chat"))
    app.router.add_get("/api/notifications", _api("news"))
    app.router.add_post("/api/notifications/seen", _api("news_seen"))
    app.router.add_post("/api/forget", _api("forget"))
    mount_staff(app, settings, app[REDIS])
    allow_origins(app, settings.web_allowed_origins)
    app.on_response_prepare.append(add_security_headers)
    app.cleanup_ctx.append(_rasa_client)
    if app[REDIS] is not None:
        app.on_cleanup.append(_close_redis)
    if settings.telegram is not None:
        app.cleanup_ctx.append(_telegram)
        if settings.telegram.webhook_url:
            app.router.add_post(settings.telegram.webhook_path, _telegram_webhook)
    return app
