"""What lives briefly goes by itself, without a cron job or a command.

Every few minutes the web process removes the photos whose form was never
sent (actions.db.photos.PENDING_LIFETIME, so they are gone within the hour),
the client-address keys of photos and supports and the links to Telegram
once their budgets no longer need them. Several web processes may each run it: each run deletes
what is due and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from actions.db import photos, supports, telegram_links
from actions.db.models import utcnow
from actions.db.session import Database

logger = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=5)


def expire_short_lived(session, now: datetime) -> int:
    """One sweep; returns how many waiting photos went."""
    supports.forget_addresses(session, now=now)
    telegram_links.expire(session, now=now)
    return photos.expire(session, now=now)


class Expiry:
    def __init__(
        self,
        db: Database,
        *,
        every: timedelta = SWEEP_EVERY,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.every = every
        self.clock = clock

    async def sweep(self) -> None:
        now = self.clock()
        try:
            expired = await self.db.run(lambda s: expire_short_lived(s, now))
        except SQLAlchemyError as error:
            logger.warning("expiry: database unavailable (%s)", type(error).__name__)
            return
        if expired:
            logger.info("expiry: %d waiting photos removed (form not sent)", expired)

    def running(self) -> contextlib.AbstractAsyncContextManager[None]:
        # At once: a restart may follow a long pause.
        return repeated(self.sweep, self.every, "expiry", at_start=True)


@contextlib.asynccontextmanager
async def repeated(
    job: Callable[[], Awaitable[object]],
    every: timedelta,
    name: str,
    *,
    at_start: bool,
) -> AsyncIterator[None]:
    """Runs `job` every so often while the app runs (the web app's sweeps)."""

    async def run() -> None:
        if not at_start:
            await asyncio.sleep(every.total_seconds())
        while True:
            try:
                await job()
            except Exception:
                # A bug must not end the sweeping silently.
                logger.exception("%s: sweep failed; trying again", name)
            await asyncio.sleep(every.total_seconds())

    task = asyncio.create_task(run(), name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
