"""The update processor: chats in parallel, each chat in order, no chat blocking others."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from telegram import Chat, Message, Update

from bot.telegram.service import MAX_WAITING_PER_CHAT, PerChatUpdateProcessor
from core.request_ids import current_request_id, valid_request_id


def update(number: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    message = Message(number, datetime.now(timezone.utc), chat, text=str(number))
    return Update(number, message=message)


async def test_a_flooding_chat_holds_one_slot_and_the_others_go_on():
    """Issue 13: each update took one of the 64 slots before waiting on its
    chat's lock, so one chat's queue could take them all."""
    processor = PerChatUpdateProcessor(max_concurrent_updates=4, per_minute=100)
    release, order = asyncio.Event(), []

    async def slow(number: int) -> None:
        order.append(number)
        await release.wait()

    async def quick(number: int) -> None:
        order.append(number)

    flood = [
        asyncio.create_task(processor.process_update(update(n, 1), slow(n)))
        for n in range(10)
    ]
    await asyncio.sleep(0.05)
    assert processor.current_concurrent_updates == 1
    await asyncio.wait_for(processor.process_update(update(99, 2), quick(99)), 1)
    assert order == [0, 99]
    release.set()
    await asyncio.gather(*flood)
    assert order == [0, 99, *range(1, 10)]  # the flooding chat still in order


async def test_beyond_the_waiting_limit_a_chats_updates_are_dropped():
    processor = PerChatUpdateProcessor(max_concurrent_updates=4, per_minute=1000)
    release, done = asyncio.Event(), []

    async def work(number: int) -> None:
        await release.wait()
        done.append(number)

    tasks = [
        asyncio.create_task(processor.process_update(update(n, 1), work(n)))
        for n in range(MAX_WAITING_PER_CHAT + 5)
    ]
    await asyncio.sleep(0.05)
    release.set()
    await asyncio.gather(*tasks)
    assert done == list(range(MAX_WAITING_PER_CHAT))


async def test_a_person_over_the_rate_limit_is_dropped_before_any_work():
    processor = PerChatUpdateProcessor(max_concurrent_updates=4, per_minute=3)
    done = []

    async def work(number: int) -> None:
        done.append(number)

    for n in range(6):
        await processor.process_update(update(n, 7), work(n))
    await processor.process_update(update(9, 8), work(9))  # someone else
    assert done == [0, 1, 2, 9]


async def test_every_update_is_handled_under_a_request_id_of_its_own():
    """Its log lines and Rasa's carry it, as for a message from the widget."""
    processor = PerChatUpdateProcessor(max_concurrent_updates=4, per_minute=100)
    seen = []

    async def handle() -> None:
        seen.append(current_request_id())

    for number in range(3):
        await processor.process_update(update(number, 1), handle())
    assert len(set(seen)) == 3 and all(valid_request_id(i) for i in seen)
    assert current_request_id() is None
