"""Delivers one channel's notifications: each once, none lost.

A row is marked sent only after the channel accepted the message. Stopping lets
the message in flight finish and be marked, so a restart does not repeat it.
After a crash in that moment the row's lease runs out and it is sent again: a
rare duplicate is better than a citizen who never hears back.

Each channel (Telegram, e-mail) subclasses `DeliveryLoop` and only says how
one row is sent; lease, retry and stop rules stay here, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from actions.db import notifications
from actions.db.models import utcnow
from actions.db.session import Database
from core import metrics

logger = logging.getLogger(__name__)

T = TypeVar("T")
BATCH = 20
MAX_ATTEMPTS = 12  # with the backoff below, about five hours of trying
STOP_GRACE_SECONDS = 30
MARK_SENT_TRIES = 5


def retry_delay(failures: int) -> timedelta:
    """30 seconds after the first failure, doubling, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(failures - 1, 0), 3600))


class DeliveryLoop:
    """The delivery loop of one channel; subclasses implement `_deliver`."""

    channel: str

    def __init__(
        self,
        db: Database,
        *,
        poll_seconds: float,
        lease_seconds: float = 120.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        # After a crash, what was claimed waits this long before it is sent.
        self.lease = timedelta(seconds=lease_seconds)
        self.db = db
        self.poll_seconds = poll_seconds
        self.clock = clock
        self._stopping = asyncio.Event()
        self._woken = asyncio.Event()
        self._task: asyncio.Task | None = None
        # Marks only rows this deliverer still holds (notifications._set).
        self.holder = uuid.uuid4().hex
        self.failing_since: datetime | None = None

    @property
    def state(self) -> str:
        """For /healthz: whether notifications are being delivered."""
        if self._task is None:
            return "stopped"
        if self._task.done():
            return "crashed"
        return "failing" if self.failing_since else "running"

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(
            self._run(), name=f"{self.channel}-notifications"
        )

    async def stop(self) -> None:
        """Finish the message in flight, then stop."""
        self._stopping.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_GRACE_SECONDS)
        except asyncio.TimeoutError:
            logger.warning("notification delivery did not stop in time; cancelling it")
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            claimed = 0
            try:
                claimed = await self.deliver_due()
                self.failing_since = None
            except SQLAlchemyError as error:
                self.failing_since = self.failing_since or self.clock()
                logger.warning(
                    "notifications: database unavailable (%s)", type(error).__name__
                )
            except Exception:
                # A bug must not end delivery silently while /healthz says "ok".
                self.failing_since = self.failing_since or self.clock()
                logger.exception("notifications: delivery failed; trying again")
            if claimed < BATCH:
                await self._pause()

    async def _pause(self) -> None:
        """Until the next poll, a stop, or a wake-up (a new message from staff)."""
        waits = [
            asyncio.ensure_future(self._stopping.wait()),
            asyncio.ensure_future(self._woken.wait()),
        ]
        try:
            await asyncio.wait(
                waits, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for wait in waits:
                wait.cancel()
        self._woken.clear()

    def wake(self) -> None:
        """Deliver now: a person from the team just wrote to a citizen."""
        self._woken.set()

    async def deliver_due(self) -> int:
        """Send what is due now; returns how many rows were claimed."""
        rows = await self.db.run(
            lambda s: notifications.claim_due(
                s,
                self.channel,
                now=self.clock(),
                lease=self.lease,
                limit=BATCH,
                holder=self.holder,
            )
        )
        attempted = 0
        for row in rows:
            if self._stopping.is_set():
                break
            await self._deliver(row)
            attempted += 1
        unattempted = [row.id for row in rows[attempted:]]
        if unattempted:
            await self.db.run(
                lambda s: notifications.release(s, unattempted, self.holder)
            )
        return len(rows)

    async def _deliver(self, row: notifications.Pending) -> None:
        """Send one row, then mark it with the methods below."""
        raise NotImplementedError

    async def _retry_or_fail(self, row: notifications.Pending, error: str) -> None:
        failures = row.attempts + 1
        if failures >= MAX_ATTEMPTS:
            await self._failed(row, error)
            return
        at = self.clock() + retry_delay(failures)
        logger.info("notification %s: %s; retrying at %s", row.id, error, at)
        await self.db.run(
            lambda s: notifications.mark_retry(
                s, row.id, at=at, error=error, holder=self.holder
            )
        )

    async def _failed(self, row: notifications.Pending, error: str) -> None:
        logger.warning("notification %s cannot be delivered: %s", row.id, error)
        metrics.notifications_sent.labels(self.channel, "failed").inc()
        await self.db.run(
            lambda s: notifications.mark_failed(
                s, row.id, now=self.clock(), error=error, holder=self.holder
            )
        )

    async def _mark_sent(self, row: notifications.Pending) -> None:
        # The channel has the message now; losing this write would send it twice.
        metrics.notifications_sent.labels(self.channel, "delivered").inc()
        for attempt in range(1, MARK_SENT_TRIES + 1):
            try:
                marked = await self.db.run(
                    lambda s: notifications.mark_sent(
                        s, row.id, now=self.clock(), holder=self.holder
                    )
                )
                if not marked:
                    logger.warning(
                        "notification %s: the lease went to another deliverer "
                        "before it was marked sent",
                        row.id,
                    )
                return
            except SQLAlchemyError:
                if attempt == MARK_SENT_TRIES:
                    raise
                await asyncio.sleep(attempt)
