"""`python -m bot.server`: the one public process.

It composes the apps, which never import each other: the citizens' web app at
/, the staff app under /staff and, with a token, the Telegram bot beside them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

from aiohttp import web

from bot.shared import live_expiry, probes
from bot.shared.expiry import repeated
from bot.shared.follow_digest import FollowDigest
from bot.shared.health import ReadinessProbe
from bot.shared.mail_delivery import MailDelivery
from bot.shared.redis_state import connect
from bot.shared.services import Services
from bot.staff.app import PREFIX as STAFF_PREFIX
from bot.staff.app import create_staff_app
from bot.telegram.service import TelegramService
from bot.web.app import GATEWAY, REDIS, REPLY_BUS, SETTINGS
from bot.web.app import create_app as create_web_app
from core.logs import configure_logging
from core.settings import Settings, get_settings

TELEGRAM = web.AppKey("telegram", TelegramService)
MAIL = web.AppKey("mail", MailDelivery)
SERVICES = web.AppKey("services", Services)


async def healthz(request: web.Request) -> web.Response:
    """200 while everything that should run does; 503 when notifications cannot go out."""
    telegram = request.app.get(TELEGRAM)
    delivery = telegram.delivery.state if telegram else "off"
    mail = request.app[MAIL].state if MAIL in request.app else "off"
    healthy = {delivery, mail} <= {"off", "stopped", "running"}
    return web.json_response(
        {
            "status": "ok" if healthy else "degraded",
            "telegram": telegram.state if telegram else "off",
            "notifications": delivery,
            "email": mail,
        },
        status=200 if healthy else 503,
    )


async def _telegram(app: web.Application) -> AsyncIterator[None]:
    service = TelegramService(app[SETTINGS], app[GATEWAY], app[REDIS])
    app[TELEGRAM] = service
    app[REPLY_BUS].subscribe(service.delivery.wake)
    # Started in the background: the web app serves even while Telegram is away.
    starting = asyncio.create_task(service.start(), name="telegram-start")

    async def stop(_app: web.Application) -> None:
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starting
        await service.stop()

    # On shutdown, not on cleanup: aiohttp waits for running tasks in between,
    # and polling and the delivery loop would keep it waiting for the whole timeout.
    app.on_shutdown.append(stop)
    yield
    await stop(app)


async def _mail(app: web.Application) -> AsyncIterator[None]:
    """News by e-mail, with or without Telegram; only with SMTP_HOST."""
    settings = app[SETTINGS]
    delivery = app[MAIL] = MailDelivery(settings, app[SERVICES].db, settings.smtp)
    app[REPLY_BUS].subscribe(delivery.wake)
    delivery.start()
    # On shutdown, like Telegram's delivery: cleanup would wait for the loop.
    app.on_shutdown.append(lambda _app: delivery.stop())
    yield
    await delivery.stop()


async def _live_expiry(app: web.Application) -> AsyncIterator[None]:
    async def sweep() -> None:
        services = app[SERVICES]
        await live_expiry.sweep(
            services.settings, services.db, services.rasa, services.bus.publish
        )

    # Not at start: Rasa may still be loading, and nothing is due so early.
    async with repeated(sweep, live_expiry.SWEEP_EVERY, "live-expiry", at_start=False):
        yield


async def _follow_digest(app: web.Application) -> AsyncIterator[None]:
    """The day's digest of what citizens follow, from FOLLOW_DIGEST_HOUR on."""
    services = app[SERVICES]
    digests = FollowDigest(services.settings, services.db, services.bus.publish)
    async with digests.running():
        yield


async def _telegram_webhook(request: web.Request) -> web.Response:
    return await request.app[TELEGRAM].handle_webhook(request)


async def _close_redis(app: web.Application) -> None:
    await app[REDIS].close()


async def _services(app: web.Application) -> AsyncIterator[None]:
    async with app[SERVICES].running():
        yield


def create_app(settings: Settings) -> web.Application:
    # Redis connects on first use; shared by the chat API, staff logins and Telegram.
    redis = connect(settings.redis_url) if settings.redis_url else None
    services = Services.build(settings, redis)
    app = create_web_app(settings, redis, services)
    app[SERVICES] = services
    # Opened before Telegram starts (appended after it) and before any request.
    app.cleanup_ctx.append(_services)
    app.router.add_get("/healthz", healthz, name="healthz")
    app.add_routes(probes.routes(services, ReadinessProbe(services)))
    app.add_subapp(STAFF_PREFIX, create_staff_app(settings, redis, services))
    if redis is not None:
        app.on_cleanup.append(_close_redis)
    app.cleanup_ctx.append(_live_expiry)
    app.cleanup_ctx.append(_follow_digest)
    if settings.smtp is not None:
        app.cleanup_ctx.append(_mail)
    if settings.telegram is not None:
        app.cleanup_ctx.append(_telegram)
        if settings.telegram.webhook_url:
            app.router.add_post(
                settings.telegram.webhook_path, _telegram_webhook, name="telegram"
            )
    return app


def main() -> None:
    # python-telegram-bot 22 deprecates durations in plain seconds; the process
    # opts in to the timedelta ones of its next major version (PTB reads this
    # at each call). bot/telegram/delivery.py takes both.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format, "web")
    web.run_app(
        create_app(settings),
        host=settings.web_host,
        port=settings.web_port,
        print=None,
        shutdown_timeout=10,
    )


if __name__ == "__main__":
    main()
