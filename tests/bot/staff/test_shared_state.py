"""With REDIS_URL, two web-app processes count login attempts and chat limits as one."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot.server import create_app
from bot.shared.redis_state import RedisRateLimits, connect
from core.settings import Settings
from tests.bot.staff.test_auth import login
from tests.helpers import temporary_redis_url


@pytest.fixture
def redis_url():
    with temporary_redis_url() as url:
        yield url


@pytest.fixture
async def two_web_apps(aiohttp_client, staff_settings, redis_url):
    settings = dataclasses.replace(staff_settings, redis_url=redis_url)
    return [await aiohttp_client(create_app(settings)) for _ in range(2)]


async def test_failed_logins_on_both_apps_add_up(two_web_apps):
    first, second = two_web_apps
    for client in (first, second, first):  # STAFF_LOGIN_ATTEMPTS=3
        assert (await login(client, "anna", "falsch-falsch-falsch")).status == 401
    refused = await login(second, "anna")
    assert refused.status == 429
    assert "Zu viele Fehlversuche" in await refused.text()
    # A success elsewhere is not held against another user.
    assert (await login(first, "rudi")).status == 303


async def test_parallel_guesses_on_both_apps_get_the_limit_together(two_web_apps):
    answers = await asyncio.gather(
        *(login(two_web_apps[n % 2], "anna", "falsch-falsch-x") for n in range(10))
    )
    statuses = sorted(a.status for a in answers)
    assert statuses.count(401) == 3 and statuses.count(429) == 7


async def test_the_chat_api_limit_per_address_counts_both_apps(
    aiohttp_client, staff_settings, redis_url
):
    settings = dataclasses.replace(
        staff_settings, redis_url=redis_url, web_address_per_minute=3
    )
    first, second = [await aiohttp_client(create_app(settings)) for _ in range(2)]
    news = "/api/notifications?session=abcdefghijklmnop1234"
    statuses = [(await c.get(news)).status for c in (first, second, first, second)]
    assert statuses == [200, 200, 200, 429]


async def test_a_bucket_is_shared_and_taken_from_all_keys_or_none(redis_url):
    one, two = connect(redis_url), connect(redis_url)
    try:
        a, b = RedisRateLimits(one), RedisRateLimits(two)
        assert [await x.allow([("address:1", 3)]) for x in (a, b, a)] == [True] * 3
        assert await b.allow([("address:1", 3)]) is False
        # An empty bucket refuses the request without taking from the others.
        assert await a.allow([("session:s", 5), ("address:1", 3)]) is False
        for _ in range(5):
            assert await b.allow([("session:s", 5)]) is True
        assert await a.allow([("session:s", 5)]) is False
    finally:
        await one.close()
        await two.close()


def test_redis_url_must_be_a_redis_url():
    from core.settings import SettingsError

    with pytest.raises(SettingsError, match="redis://"):
        Settings.from_env({"REDIS_URL": "http://cache:6379"})
    with pytest.raises(SettingsError, match="LOCK_STORE_URL"):
        Settings.from_env({"LOCK_STORE_URL": "sqlite:///var/locks.db"})
