"""Rate limits of the public channels: per person, per client address, overall.

A new session id per request escapes a limit per session, and a spray of
addresses escapes one per address; the overall limit keeps Rasa answering
for everyone else. A request passes only if every limit it touches has room.
"""

from __future__ import annotations

from collections import OrderedDict

from aiolimiter import AsyncLimiter

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
