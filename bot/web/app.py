"""The aiohttp application that faces the outside; Rasa stays on loopback behind it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.rasa_client import RasaClient
from bot.settings import Settings
from bot.telegram.service import TelegramService

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024

SETTINGS = web.AppKey("settings", Settings)
RASA = web.AppKey("rasa", RasaClient)
TELEGRAM = web.AppKey("telegram", TelegramService)


async def healthz(request: web.Request) -> web.Response:
    telegram = request.app.get(TELEGRAM)
    return web.json_response(
        {"status": "ok", "telegram": telegram.state if telegram else "off"}
    )


async def _rasa_client(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    async with RasaClient(
        settings.rasa_url, settings.action_health_url, settings.rasa_timeout
    ) as client:
        app[RASA] = client
        yield


async def _telegram(app: web.Application) -> AsyncIterator[None]:
    service = TelegramService(app[SETTINGS], app[RASA])
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


def create_app(settings: Settings) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app.router.add_get("/healthz", healthz)
    app.cleanup_ctx.append(_rasa_client)
    if settings.telegram is not None:
        app.cleanup_ctx.append(_telegram)
        if settings.telegram.webhook_url:
            app.router.add_post(settings.telegram.webhook_path, _telegram_webhook)
    return app
