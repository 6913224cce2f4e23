"""The Telegram bot's life: start (polling or webhook), deliver notifications, stop."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable
from typing import Any
from weakref import WeakValueDictionary

from aiohttp import web
from redis.asyncio import Redis
from telegram import BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application, BaseUpdateProcessor

from bot.shared.gateway import ConversationGateway
from bot.shared.limits import KeyedLimits, take_shared
from bot.shared.redis_state import RedisPayloads, RedisRateLimits
from bot.telegram import texts
from bot.telegram.bridge import Bridge
from bot.telegram.delivery import NotificationDelivery
from bot.telegram.render import ButtonPayloads
from core.request_ids import request_scope
from core.settings import Settings, TelegramSettings

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
MAX_CONCURRENT_UPDATES = 64
MAX_WAITING_PER_CHAT = 50
RATE_LIMIT_RETRIES = 3
START_RETRY_SECONDS = (2, 5, 10, 30, 60)
RASA_WAIT_SECONDS = 1


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Chats are served at the same time, but each chat's updates in order.

    Each person may send `per_minute` updates; beyond that the bot says once a
    minute that they write too fast and drops the rest, before any work is
    done. An update waits for its chat's turn before it takes one of the
    shared slots, so a chat flooding the bot holds at most one slot and cannot
    block the others.
    """

    def __init__(
        self,
        max_concurrent_updates: int,
        per_minute: int = 20,
        shared_limits: RedisRateLimits | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._per_minute = per_minute
        self._shared = shared_limits
        self._locks: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()
        self._waiting: Counter[int] = Counter()
        self._limits = KeyedLimits(per_minute)
        self._warned: dict[str, float] = {}

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        # One request id per update, for its log lines and Rasa's (core.request_ids).
        with request_scope():
            await self._process(update, coroutine)

    async def _process(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._semaphore:
                await coroutine
            return
        person = (
            f"{chat.id}:{update.effective_user.id if update.effective_user else ''}"
        )
        if self._waiting[chat.id] >= MAX_WAITING_PER_CHAT or not await take_shared(
            self._shared,
            [(f"telegram:{person}", self._per_minute)],
            lambda: [self._limits.bucket(person)],
            name="telegram",
        ):
            coroutine.close()  # never awaited, on purpose
            await self._too_fast(update, person)
            return
        lock = self._locks.get(chat.id)
        if lock is None:
            lock = self._locks[chat.id] = asyncio.Lock()
        self._waiting[chat.id] += 1
        try:
            async with lock, self._semaphore:
                await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:
                del self._waiting[chat.id]

    async def _too_fast(self, update: Update, person: str) -> None:
        now = time.monotonic()
        if now - self._warned.get(person, -60.0) < 60:
            return
        if len(self._warned) > 10_000:  # bound memory under a spray of users
            self._warned.clear()
        self._warned[person] = now
        logger.info("a Telegram user writes too fast; dropping messages for a while")
        with contextlib.suppress(TelegramError, RuntimeError):
            await update.get_bot().send_message(
                update.effective_chat.id, texts.TOO_FAST
            )

    async def do_process_update(
        self, update: object, coroutine: Awaitable[Any]
    ) -> None:
        await coroutine  # not called: process_update above does the work

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def file_url_of(base_url: str) -> str:
    """Where a Bot API server at `base_url` (".../bot") serves files (".../file/bot")."""
    root = base_url.rstrip("/").removesuffix("/bot")
    return f"{root}/file/bot"


def build_application(
    config: TelegramSettings,
    bridge: Bridge,
    per_minute: int = 20,
    shared_limits: RedisRateLimits | None = None,
) -> Application:
    updates = PerChatUpdateProcessor(MAX_CONCURRENT_UPDATES, per_minute, shared_limits)
    builder = (
        Application.builder()
        .token(config.token)
        .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .concurrent_updates(updates)
    )
    if config.base_url:
        builder = builder.base_url(config.base_url).base_file_url(
            file_url_of(config.base_url)
        )
    if config.webhook_url:
        builder = builder.updater(None)
    application = builder.build()
    bridge.register(application)
    return application


class TelegramService:
    """Runs the bridge and the notification delivery inside the web app's event loop."""

    def __init__(
        self,
        settings: Settings,
        gateway: ConversationGateway,
        redis: Redis | None = None,
    ) -> None:
        if settings.telegram is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.config = settings.telegram
        self.rasa = gateway.rasa
        payloads = ButtonPayloads(shared=RedisPayloads(redis) if redis else None)
        self.application = build_application(
            self.config,
            Bridge(gateway, payloads),
            per_minute=settings.telegram_per_minute,
            shared_limits=RedisRateLimits(redis) if redis else None,
        )
        self.delivery = NotificationDelivery(
            self.application.bot,
            gateway.db,
            poll_seconds=settings.notification_poll_seconds,
            lease_seconds=settings.notification_lease_seconds,
        )
        self.state = "starting"

    async def start(self) -> None:
        """Wait for Rasa, then connect to Telegram, retrying while it cannot be reached.

        Telegram keeps updates for a day, so nothing sent meanwhile is lost; the
        citizen gets an answer instead of "not reachable" while Rasa loads.
        """
        self.state = "waiting for Rasa"
        while not await self.rasa.ready():
            await asyncio.sleep(RASA_WAIT_SECONDS)
        self.state = "starting"
        for attempt in itertools.count():
            try:
                await self._start_once()
                return
            except InvalidToken:
                self.state = "invalid token"
                logger.error("Telegram rejected TELEGRAM_BOT_TOKEN; the bot stays off")
                return
            except TelegramError as error:
                await self._stop_application()
                wait = START_RETRY_SECONDS[min(attempt, len(START_RETRY_SECONDS) - 1)]
                logger.warning(
                    "cannot reach Telegram (%s); retrying in %s s", error, wait
                )
                await asyncio.sleep(wait)

    async def _start_once(self) -> None:
        application = self.application
        await application.initialize()
        self._check_username(application.bot.username)
        menu = [c for c in texts.COMMANDS if c.description]
        await application.bot.set_my_commands(
            [BotCommand(c.name, c.description) for c in menu]
        )
        # Telegram shows this menu to users whose app is in English.
        await application.bot.set_my_commands(
            [
                BotCommand(
                    c.name, texts.ENGLISH_DESCRIPTIONS.get(c.name, c.description)
                )
                for c in menu
            ],
            language_code="en",
        )
        await application.start()
        if self.config.webhook_url:
            await application.bot.set_webhook(
                self.config.webhook_url,
                secret_token=self.config.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
            mode = f"webhook at {self.config.webhook_path}"
        else:
            await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            mode = "long polling"
        self.delivery.start()
        self.state = "running"
        logger.info("Telegram bot @%s is running (%s)", application.bot.username, mode)

    def _check_username(self, username: str) -> None:
        """The web chat links to TELEGRAM_BOT_USERNAME ("Auf Telegram
        weiterverfolgen"); a link to another bot would lead citizens astray."""
        named = self.config.username
        if named and named.casefold() != username.casefold():
            logger.error(
                "TELEGRAM_BOT_USERNAME is @%s, but the token belongs to @%s: the "
                "web chat's links to Telegram lead to the wrong bot",
                named,
                username,
            )

    async def stop(self) -> None:
        await self.delivery.stop()
        await self._stop_application()
        self.state = "stopped"

    async def _stop_application(self) -> None:
        application = self.application
        with contextlib.suppress(TelegramError, RuntimeError):
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
            await application.shutdown()

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """Telegram posts updates here; only a request with our secret is taken."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.config.webhook_secret.encode()):
            return web.Response(status=403, text="forbidden")
        if self.state != "running":
            return web.Response(status=503, text="starting")  # Telegram retries
        try:
            data = json.loads((await request.read()).decode("utf-8"))
            update_id = data.get("update_id") if isinstance(data, dict) else None
            update = (
                Update.de_json(data, self.application.bot)
                if isinstance(update_id, int) and not isinstance(update_id, bool)
                else None
            )
        except Exception:  # untrusted JSON fails the parser in many ways
            update = None
        if update is None:
            return web.Response(status=400, text="not a Telegram update")
        await self.application.update_queue.put(update)
        return web.Response(text="ok")
