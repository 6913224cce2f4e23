"""What the public process builds once and every app uses: the settings, the
database, one Rasa client, the shared Redis connection, and the reply bus.

bot.server builds one Services and hands it to the web app, the staff app and
Telegram. An app created without one (a test, the staff app on its own)
builds its own and opens its Rasa client itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from actions.db.session import Database
from bot.shared.rasa_client import RasaClient
from core.secret_key import rasa_api_token
from core.settings import Settings


class Wakeup:
    """Wakes every waiting live stream of this process at once."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def wake(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._event.wait(), seconds)


@dataclass
class ReplyBus:
    """A message from the team is in the outbox: every channel of this process
    delivers it now (the widget's live streams, Telegram, e-mail). Channels on
    another host find it with their next poll."""

    streams: Wakeup = field(default_factory=Wakeup)
    _deliverers: list[Callable[[], None]] = field(default_factory=list)

    def subscribe(self, deliver_now: Callable[[], None]) -> None:
        self._deliverers.append(deliver_now)

    def publish(self) -> None:
        for deliver_now in self._deliverers:
            deliver_now()
        self.streams.wake()


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    rasa: RasaClient
    redis: Any  # redis.asyncio.Redis, or None without REDIS_URL
    bus: ReplyBus

    @classmethod
    def build(cls, settings: Settings, redis: Any = None) -> Services:
        rasa = RasaClient(
            settings.rasa_url,
            settings.action_health_url,
            settings.rasa_timeout,
            api_token=rasa_api_token(settings),
        )
        return cls(settings, Database(settings.database_url), rasa, redis, ReplyBus())

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Services]:
        """The Rasa client's connections, open while the process serves."""
        async with self.rasa:
            yield self
