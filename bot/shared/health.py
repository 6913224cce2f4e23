"""Readiness: whether this host can answer a citizen now.

Ready means Rasa has a model, the action server answers, the database takes a
query and, where configured, Redis answers. Probes come often and from
anyone who can reach the port, so the checks run at most once per
READY_CACHE_SECONDS, however many probes arrive.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.shared.services import Services

READY_CACHE_SECONDS = 1.0
CHECK_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, bool]

    @property
    def ready(self) -> bool:
        return all(self.checks.values())


class ReadinessProbe:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._last: tuple[float, Readiness] | None = None
        self._running: asyncio.Task | None = None

    async def check(self) -> Readiness:
        """The newest result, checked again when it is older than the cache."""
        if self._last and time.monotonic() - self._last[0] < READY_CACHE_SECONDS:
            return self._last[1]
        if self._running is None or self._running.done():
            self._running = asyncio.ensure_future(self._check_all())
        # shield: a probe that gives up must not cancel the others' check.
        return await asyncio.shield(self._running)

    async def _check_all(self) -> Readiness:
        checks = {
            "rasa": self._rasa(),
            "actions": self._services.rasa.actions_up(),
            "database": self._database(),
        }
        if self._services.redis is not None:
            checks["redis"] = self._redis()
        results = await asyncio.gather(
            *(_within_timeout(check) for check in checks.values())
        )
        readiness = Readiness(dict(zip(checks, results, strict=True)))
        self._last = time.monotonic(), readiness
        return readiness

    async def _rasa(self) -> bool:
        return await self._services.rasa.model_id() is not None

    async def _database(self) -> bool:
        try:
            await self._services.db.run(lambda s: s.execute(text("SELECT 1")))
        except SQLAlchemyError:
            return False
        return True

    async def _redis(self) -> bool:
        try:
            return bool(await self._services.redis.ping())
        except Exception:  # redis-py raises its own errors and OSError
            return False


async def _within_timeout(check) -> bool:
    try:
        return await asyncio.wait_for(check, CHECK_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:
        return False
