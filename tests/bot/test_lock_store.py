"""The Redis lock store issues every ticket once, whoever asks at the same time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import RedisURLLockStore
from tests.conftest import temporary_redis_url


@pytest.fixture
def stores():
    with temporary_redis_url() as url:
        # Separate clients, as separate Rasa processes have.
        made = [RedisURLLockStore(EndpointConfig(url=url)) for _ in range(8)]
        yield made
        for store in made:
            store.red.close()


def test_the_url_sets_database_and_credentials():
    store = RedisURLLockStore(
        EndpointConfig(url="rediss://rasa:g%40heim@redis.intern:6380/4")
    )
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("redis.intern", 6380, 4)
    assert (kwargs["username"], kwargs["password"]) == ("rasa", "g@heim")


def test_tickets_issued_at_once_are_all_different(stores):
    with ThreadPoolExecutor(len(stores)) as pool:
        tickets = list(
            pool.map(
                lambda n: stores[n % len(stores)].issue_ticket("citizen"), range(80)
            )
        )
    assert sorted(tickets) == list(range(80))  # Rasa counts from 0
    lock = stores[0].get_lock("citizen")
    assert [t.number for t in lock.tickets] == list(range(80))


def test_finishing_leaves_the_others_waiting_and_the_last_deletes_the_lock(stores):
    first, second = (stores[0].issue_ticket("citizen") for _ in range(2))
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda t: stores[t].cleanup("citizen", t), [first, second]))
    assert stores[0].get_lock("citizen") is None
