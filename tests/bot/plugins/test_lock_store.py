"""The shared lock stores issue every ticket once, whoever asks at the same time."""

from __future__ import annotations

import asyncio
import threading

import pytest
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

from bot.plugins.lock_store import RedisURLLockStore, SQLiteLockStore
from tests.helpers import temporary_redis_url

STORES = 8  # separate clients, as separate Rasa processes have


@pytest.fixture(params=["redis", "sqlite"])
def stores(request, tmp_path):
    if request.param == "redis":
        with temporary_redis_url() as url:
            made = [RedisURLLockStore(EndpointConfig(url=url)) for _ in range(STORES)]
            yield made
            for store in made:
                store.red.close()
    else:
        url = f"sqlite:///{tmp_path / 'var' / 'locks.db'}"
        yield [SQLiteLockStore(EndpointConfig(url=url)) for _ in range(STORES)]


def each_store_at_once(stores, work) -> list:
    """Run work(store) in one thread per store, all released together."""
    start = threading.Barrier(len(stores))
    results: list = [None] * len(stores)

    def run(index: int) -> None:
        start.wait()
        results[index] = work(stores[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_url_sets_database_and_credentials():
    store = RedisURLLockStore(
        EndpointConfig(url="rediss://rasa:g%40heim@redis.intern:6380/4")
    )
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("redis.intern", 6380, 4)
    assert (kwargs["username"], kwargs["password"]) == ("rasa", "g@heim")


def test_tickets_issued_at_once_are_all_different(stores):
    issued = each_store_at_once(
        stores, lambda store: [store.issue_ticket("citizen") for _ in range(10)]
    )
    tickets = sorted(t for each in issued for t in each)
    assert tickets == list(range(10 * STORES))  # Rasa counts from 0
    lock = stores[0].get_lock("citizen")
    assert [t.number for t in lock.tickets] == tickets


def test_finishing_leaves_the_others_waiting_and_the_last_deletes_the_lock(stores):
    tickets = [stores[0].issue_ticket("citizen") for _ in stores]
    each_store_at_once(
        stores, lambda store: store.cleanup("citizen", tickets[stores.index(store)])
    )
    assert stores[0].get_lock("citizen") is None


def test_turns_of_one_conversation_run_one_after_another(stores):
    active, overlaps = [], []

    async def turn(store) -> None:
        async with store.lock("citizen", wait_time_in_seconds=0.01):
            active.append(1)
            overlaps.append(len(active) > 1)
            await asyncio.sleep(0.005)
            active.pop()

    def turns(store) -> None:
        asyncio.run(turn(store))

    each_store_at_once(stores, turns)
    assert overlaps == [False] * STORES
    assert stores[0].get_lock("citizen") is None


def test_an_unreachable_storage_is_a_lock_error(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    store = SQLiteLockStore(EndpointConfig(url=f"sqlite:///{blocked}/locks.db"))
    with pytest.raises(LockError):
        store.issue_ticket("citizen")


def test_the_sqlite_store_needs_a_file_url():
    with pytest.raises(ValueError, match="sqlite:///"):
        SQLiteLockStore(EndpointConfig(url="redis://localhost/1"))
