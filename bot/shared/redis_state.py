"""The web app's short-lived state in Redis (REDIS_URL), shared by its processes.

Behind a balancer, every web-app process must count the same rate limits and
login attempts, and a Telegram button sent by one process may be pressed on
another. Each change is one Lua script, so it is atomic across processes;
time is Redis' own clock, so hosts whose clocks differ still agree.
"""

from __future__ import annotations

import math
from typing import Any

import redis.asyncio as redis

from bot.shared.button_labels import KEEP_SECONDS, Button, decode, encode

PREFIX = "smartcity:"

# KEYS: one bucket per limit; ARGV: the per-minute rate of each.
# Either a token is taken from every bucket, or from none (returns 0).
_TAKE = """
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1e6
local left = {}
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[i])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(state[1]) or rate
  local at = tonumber(state[2]) or now
  tokens = math.min(rate, tokens + (now - at) * rate / 60)
  if tokens < 1 then return 0 end
  left[i] = tokens - 1
end
for i, key in ipairs(KEYS) do
  redis.call('HSET', key, 'tokens', left[i], 'at', now)
  redis.call('EXPIRE', key, 120)
end
return 1
"""

# KEYS: attempt logs (sorted sets); ARGV: window seconds, then each key's limit.
# Returns {0, stamp} for a counted attempt, or {seconds to wait, 0}.
_RESERVE = """
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1e6
local window = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local limit = tonumber(ARGV[i + 1])
  local recent = redis.call('ZRANGE', key, -limit, -limit, 'WITHSCORES')
  if redis.call('ZCARD', key) >= limit then
    wait = math.max(wait, tonumber(recent[2]) + window - now)
  end
end
if wait > 0 then return {tostring(wait), '0'} end
local stamp = string.format('%.6f', now)
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, stamp)
  redis.call('EXPIRE', key, math.ceil(window))
end
return {'0', stamp}
"""


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=5)


class RedisRateLimits:
    """Token buckets like aiolimiter's: `rate` per minute, as many in a burst."""

    def __init__(self, client: redis.Redis) -> None:
        self._take = client.register_script(_TAKE)

    async def allow(self, limits: list[tuple[str, int]]) -> bool:
        keys = [f"{PREFIX}limit:{key}" for key, _ in limits]
        return bool(await self._take(keys=keys, args=[rate for _, rate in limits]))


class RedisLoginThrottle:
    """LoginThrottle's rules (bot/staff/sessions.py), counted in Redis."""

    def __init__(
        self, client: redis.Redis, attempts: int, window_seconds: float = 15 * 60
    ) -> None:
        self.attempts = attempts
        self.window_seconds = window_seconds
        self._client = client
        self._reserve = client.register_script(_RESERVE)

    @staticmethod
    def _key(key: str) -> str:
        return f"{PREFIX}login:{key}"

    async def try_attempt(self, keys: list[tuple[str, int]]) -> tuple[int, Any]:
        wait, stamp = await self._reserve(
            keys=[self._key(key) for key, _ in keys],
            args=[self.window_seconds, *(limit for _, limit in keys)],
        )
        seconds = float(wait)
        return (math.ceil(seconds), None) if seconds > 0 else (0, stamp)

    async def forgive(self, user_key: str, other_keys: list[str], stamp: Any) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(user_key))
            for key in other_keys:
                pipe.zrem(self._key(key), stamp)
            await pipe.execute()


class RedisPayloads:
    """Long Telegram button payloads under their short keys, for every process."""

    TTL_SECONDS = 30 * 24 * 3600

    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    async def put(self, payloads: dict[str, str]) -> None:
        async with self._client.pipeline(transaction=False) as pipe:
            for key, payload in payloads.items():
                pipe.set(f"{PREFIX}button:{key}", payload, ex=self.TTL_SECONDS)
            await pipe.execute()

    async def get(self, key: str) -> str | None:
        return await self._client.get(f"{PREFIX}button:{key}")


class RedisButtonMemory:
    """The last reply's buttons per conversation, so a label typed on any
    web-app process counts as the button (bot.shared.button_labels)."""

    def __init__(self, client: redis.Redis, keep_seconds: int = KEEP_SECONDS) -> None:
        self._client = client
        self._keep = keep_seconds

    @staticmethod
    def _key(sender: str) -> str:
        return f"{PREFIX}offered:{sender}"

    async def remember(self, sender: str, buttons: list[Button]) -> None:
        if buttons:
            await self._client.set(self._key(sender), encode(buttons), ex=self._keep)
        else:
            await self._client.delete(self._key(sender))

    async def recall(self, sender: str) -> list[Button]:
        return decode(await self._client.get(self._key(sender)))
