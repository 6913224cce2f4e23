"""Request ids (core.request_ids): what passes as one, and how long one holds."""

from __future__ import annotations

import asyncio

import pytest

from core.request_ids import (
    current_request_id,
    new_request_id,
    request_scope,
    set_request_id,
    valid_request_id,
)


@pytest.mark.parametrize(
    "value",
    ["0123456789abcdef0123456789abcdef", "abcd-EFGH_1234", "8chars__", "x" * 64],
)
def test_plain_ids_pass(value):
    assert valid_request_id(value) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        42,
        "",
        "short",
        "x" * 65,
        "ben@example.org",  # a proxy or client must not put a person in the log
        'abcdefgh\n{"level": "ERROR"}',  # nor forge a log line
        "abcdefgh ",
        "abcdefgh\n",
        "äbcdefgh",
    ],
)
def test_anything_else_is_refused(value):
    assert valid_request_id(value) is None


def test_new_ids_are_valid_and_differ():
    ids = {new_request_id() for _ in range(100)}
    assert len(ids) == 100 and all(valid_request_id(i) for i in ids)


def test_a_scope_holds_its_id_and_restores_the_one_before():
    assert current_request_id() is None
    with request_scope("outer-0001") as outer:
        assert outer == current_request_id() == "outer-0001"
        with request_scope() as inner:
            assert current_request_id() == inner != outer
        assert current_request_id() == outer
    assert current_request_id() is None


def test_a_scope_ends_also_when_its_work_fails():
    with pytest.raises(RuntimeError), request_scope("failing-01"):
        raise RuntimeError
    assert current_request_id() is None


async def test_concurrent_requests_keep_their_own_ids():
    async def handle(request_id: str) -> str | None:
        with request_scope(request_id):
            await asyncio.sleep(0.01)
            return current_request_id()

    ids = [f"request-{n:04d}" for n in range(20)]
    assert await asyncio.gather(*(handle(i) for i in ids)) == ids


async def test_an_id_set_in_a_task_stays_in_that_task():
    async def hook() -> None:
        set_request_id("in-the-task")

    await asyncio.create_task(hook())
    assert current_request_id() is None
