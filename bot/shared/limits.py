"""Rate limits of the public channels: per person, per client address, overall.

A new session id per request escapes a limit per session, and a spray of
addresses escapes one per address; the overall limit keeps Rasa answering
for everyone else. A request passes only if every limit it touches has room.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable

from aiolimiter import AsyncLimiter
from redis.exceptions import RedisError

from bot.shared.redis_state import RedisRateLimits
from core import metrics

logger = logging.getLogger(__name__)

MAX_KEYS = 10_000


class KeyedLimits:
    """One token bucket per key, the least recently used dropped beyond MAX_KEYS."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: OrderedDict[str, AsyncLimiter] = OrderedDict()

    def bucket(self, key: str) -> AsyncLimiter:
        bucket = self._buckets.pop(key, None) or AsyncLimiter(self.per_minute, 60)
        self._buckets[key] = bucket  # most recent last; the oldest goes first
        if len(self._buckets) > MAX_KEYS:
            self._buckets.popitem(last=False)
        return bucket


async def take(buckets: list[AsyncLimiter]) -> bool:
    """Take one token from each bucket, or none if one of them is empty."""
    if not all(bucket.has_capacity() for bucket in buckets):
        return False
    for bucket in buckets:
        await bucket.acquire()  # returns at once: each has room, nothing awaits
    return True


async def take_shared(
    shared: RedisRateLimits | None,
    limits: list[tuple[str, int]],
    local: Callable[[], list[AsyncLimiter]],
    *,
    name: str,
) -> bool:
    """The shared limits in Redis (REDIS_URL) when there are any, else this
    process's own (`local` makes them only then); when Redis is away, this
    process's own keep protecting. A refusal is counted under `name`."""
    allowed = None
    if shared is not None:
        try:
            allowed = await shared.allow(limits)
        except RedisError as error:
            logger.warning("Redis unavailable for rate limits (%s); counting locally.",
                           type(error).__name__)  # fmt: skip
    if allowed is None:
        allowed = await take(local())
    if not allowed:
        metrics.rate_limited.labels(name).inc()
    return allowed
