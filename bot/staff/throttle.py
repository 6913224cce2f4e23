"""Login throttling of one web-app process; bot.shared.redis_state shares it."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass


@dataclass
class LoginThrottle:
    """Login attempts per key (user name, client address) in a sliding window.

    An attempt is counted before the password is checked, so that parallel
    requests cannot try more passwords than the limit; a successful login then
    takes its attempt back. Kept in memory, for one web-app process; with
    REDIS_URL, bot.shared.redis_state.RedisLoginThrottle counts for all of them.
    """

    attempts: int
    window_seconds: float = 15 * 60

    def __post_init__(self) -> None:
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key, deque())  # reading adds no key
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        return failures

    def wait_seconds(
        self, keys: list[tuple[str, int]], now: float | None = None
    ) -> int:
        """Seconds until another try is allowed; keys pair a key with its limit."""
        now = time.monotonic() if now is None else now
        wait = 0.0
        for key, limit in keys:
            failures = self._recent(key, now)
            if len(failures) >= limit:
                wait = max(wait, failures[-limit] + self.window_seconds - now)
        return int(wait) + 1 if wait > 0 else 0

    def reserve(
        self, keys: list[tuple[str, int]], now: float | None = None
    ) -> tuple[int, float]:
        """Count an attempt now, unless one is over its limit.

        Returns (seconds to wait, 0.0) when refused, else (0, the attempt's
        stamp for `succeeded`). Nothing is awaited in between, so on one event
        loop no two requests can both pass the last free attempt.
        """
        now = time.monotonic() if now is None else now
        wait = self.wait_seconds(keys, now)
        if wait:
            return wait, 0.0
        self.failed([key for key, _ in keys], now)
        return 0, now

    def failed(self, keys: list[str], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for key in keys:
            self._failures[key] = self._recent(key, now)
            self._failures[key].append(now)
        if len(self._failures) > 10_000:  # bound memory under a spray of names
            for key in [k for k in self._failures if not self._recent(k, now)]:
                del self._failures[key]

    async def try_attempt(self, keys: list[tuple[str, int]]) -> tuple[int, float]:
        """`reserve`, in the interface that RedisLoginThrottle shares."""
        return self.reserve(keys)

    async def forgive(self, user_key: str, other_keys: list[str], stamp: float) -> None:
        self.succeeded(user_key, other_keys, stamp)

    def succeeded(self, user_key: str, other_keys: list[str], stamp: float) -> None:
        """The user's failures are forgiven; elsewhere only this attempt is."""
        self._failures.pop(user_key, None)
        for key in other_keys:
            failures = self._failures.get(key)
            if failures and stamp in failures:
                failures.remove(stamp)
