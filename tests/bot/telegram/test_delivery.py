"""The Telegram outbox against the loopback Bot API, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from telegram.ext import AIORateLimiter, ExtBot

from actions.db import notifications
from actions.db.models import Notification, utcnow
from actions.db.session import Database, get_engine
from bot.telegram.delivery import NotificationDelivery, retry_delay
from bot.telegram.service import RATE_LIMIT_RETRIES
from tests.bot.telegram.bot_api import TOKEN


@pytest.fixture
async def bot(bot_api):
    bot = ExtBot(
        TOKEN,
        base_url=bot_api.base_url,
        rate_limiter=AIORateLimiter(max_retries=RATE_LIMIT_RETRIES),
    )
    async with bot:
        yield bot


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def deliverer(bot, database_url, clock):
    return NotificationDelivery(
        bot, Database(database_url), poll_seconds=0.1, clock=clock
    )


def queue(database_url, *recipients: str, channel: str = "telegram") -> list[int]:
    with Session(get_engine(database_url), future=True) as session, session.begin():
        rows = [
            Notification(
                channel=channel,
                recipient=recipient,
                text=f"Neuigkeiten für {recipient} <b>&",
                attempts=0,
            )
            for recipient in recipients
        ]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def rows(database_url) -> dict[int, Notification]:
    with Session(get_engine(database_url), future=True) as session:
        found = session.scalars(select(Notification)).all()
        session.expunge_all()
        return {row.id: row for row in found}


async def test_each_due_notification_is_sent_once(bot_api, deliverer, database_url):
    private, group, web = queue(
        database_url, "telegram:501", "telegram:-600:7"
    ) + queue(database_url, "web:abc", channel="web")
    assert await deliverer.deliver_due() == 2
    assert await deliverer.deliver_due() == 0

    sent = bot_api.sent("sendMessage")
    assert [c.chat_id for c in sent] == [501, -600]
    assert sent[0].text == "Neuigkeiten für telegram:501 &lt;b&gt;&amp;"
    assert sent[0].params["parse_mode"] == "HTML"
    stored = rows(database_url)
    assert all(stored[i].sent_at and stored[i].attempts == 1 for i in (private, group))
    assert stored[web].sent_at is None and stored[web].claimed_until is None


async def test_restart_mid_delivery_neither_loses_nor_repeats(
    bot_api, bot, deliverer, database_url
):
    first, second = queue(database_url, "telegram:501", "telegram:502")
    bot_api.delays["sendMessage"] = 1.0
    deliverer.start()
    await bot_api.until("sendMessage", 501, timeout=10, answered=False)
    assert bot_api.sent("sendMessage")[0].ok is None  # Telegram has not answered yet
    await deliverer.stop()  # the restart begins while the message is in flight

    stored = rows(database_url)
    assert stored[first].sent_at is not None
    assert stored[second].sent_at is None and stored[second].claimed_until is None

    bot_api.delays.clear()
    restarted = NotificationDelivery(bot, Database(database_url), poll_seconds=0.1)
    restarted.start()
    await bot_api.until("sendMessage", 502, timeout=10)
    await asyncio.sleep(0.5)  # a few more rounds
    await restarted.stop()
    assert [c.chat_id for c in bot_api.sent("sendMessage")] == [501, 502]
    assert all(row.sent_at for row in rows(database_url).values())


async def test_retry_after_is_honoured(bot_api, deliverer, database_url):
    (row,) = queue(database_url, "telegram:501")
    bot_api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await deliverer.deliver_due()
    refused, accepted = bot_api.sent("sendMessage")
    assert accepted.at - refused.at >= 1.0
    assert (refused.ok, accepted.ok) == (False, True)
    assert rows(database_url)[row].sent_at is not None


async def test_lasting_flood_control_reschedules_without_counting(
    bot_api, deliverer, database_url, clock
):
    (row,) = queue(database_url, "telegram:501")
    for _ in range(RATE_LIMIT_RETRIES + 1):
        bot_api.fail(
            "sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1
        )
    await deliverer.deliver_due()
    stored = rows(database_url)[row]
    assert stored.sent_at is None and stored.failed_at is None
    assert stored.attempts == 0
    assert stored.next_attempt_at == clock.now + timedelta(seconds=1)

    assert await deliverer.deliver_due() == 0  # not due yet
    clock.now += timedelta(seconds=2)
    assert await deliverer.deliver_due() == 1
    assert rows(database_url)[row].sent_at is not None


async def test_network_errors_back_off_then_succeed(
    bot_api, deliverer, database_url, clock
):
    (row,) = queue(database_url, "telegram:501")
    bot_api.fail("sendMessage", 502, "Bad Gateway")
    await deliverer.deliver_due()
    stored = rows(database_url)[row]
    assert stored.attempts == 1 and "Bad Gateway" in stored.last_error
    assert stored.next_attempt_at == clock.now + retry_delay(1)

    clock.now += retry_delay(1)
    await deliverer.deliver_due()
    assert rows(database_url)[row].sent_at is not None
    assert len(bot_api.sent("sendMessage")) == 2


async def test_blocked_bot_is_not_retried(bot_api, deliverer, database_url, clock):
    (row,) = queue(database_url, "telegram:501")
    bot_api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await deliverer.deliver_due()
    clock.now += timedelta(days=1)
    assert await deliverer.deliver_due() == 0
    stored = rows(database_url)[row]
    assert stored.failed_at is not None and stored.sent_at is None
    assert "blocked" in stored.last_error


async def test_moved_group_gets_the_message_in_its_new_chat(
    bot_api, deliverer, database_url
):
    (row,) = queue(database_url, "telegram:-600:7")
    bot_api.fail(
        "sendMessage",
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=-1000600,
    )
    await deliverer.deliver_due()
    await deliverer.deliver_due()
    assert [c.chat_id for c in bot_api.sent("sendMessage")] == [-600, -1000600]
    assert rows(database_url)[row].recipient == "telegram:-1000600"


async def test_two_deliverers_never_send_the_same_row(bot_api, bot, database_url):
    queue(database_url, *(f"telegram:{500 + i}" for i in range(6)))
    bot_api.delays["sendMessage"] = 0.05
    both = [
        NotificationDelivery(bot, Database(database_url), poll_seconds=0.1)
        for _ in range(2)
    ]
    await asyncio.gather(*(d.deliver_due() for d in both))
    sent = sorted(c.chat_id for c in bot_api.sent("sendMessage"))
    assert sent == [500 + i for i in range(6)]


async def test_a_recipient_of_another_channel_fails_cleanly(
    bot_api, deliverer, database_url
):
    (row,) = queue(database_url, "telegram:not-a-chat")
    await deliverer.deliver_due()
    assert rows(database_url)[row].failed_at is not None
    assert bot_api.sent("sendMessage") == []


def test_a_deliverer_that_lost_its_lease_cannot_mark_the_row(database_url, clock):
    """Issue 13: mark_* ignored who held the lease."""
    (row,) = queue(database_url, "telegram:42")
    lease = timedelta(minutes=2)
    with Session(get_engine(database_url), future=True) as session, session.begin():
        notifications.claim_due(session, "telegram", now=clock(), lease=lease, limit=5,
                         holder="first")  # fmt: skip
    later = clock() + timedelta(minutes=3)  # the first lease ran out
    with Session(get_engine(database_url), future=True) as session, session.begin():
        (taken,) = notifications.claim_due(session, "telegram", now=later, lease=lease,
                                    limit=5, holder="second")  # fmt: skip
        assert taken.id == row
        assert not notifications.mark_failed(
            session, row, now=later, error="x", holder="first"
        )
        assert not notifications.mark_sent(session, row, now=later, holder="first")
        assert notifications.mark_sent(session, row, now=later, holder="second")
    stored = rows(database_url)[row]
    assert stored.sent_at is not None and stored.failed_at is None
    assert stored.attempts == 1


async def test_an_unexpected_error_does_not_end_delivery(
    bot_api, deliverer, database_url, monkeypatch
):
    """Issue 13: the loop ended silently while /healthz still said it ran."""
    real, calls = deliverer.deliver_due, []

    async def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return await real()

    monkeypatch.setattr(deliverer, "deliver_due", flaky)
    (row,) = queue(database_url, "telegram:77")
    deliverer.start()
    try:
        for _ in range(100):
            if rows(database_url)[row].sent_at:
                break
            await asyncio.sleep(0.05)
        assert rows(database_url)[row].sent_at is not None
        assert deliverer.state == "running" and len(calls) >= 2
    finally:
        await deliverer.stop()
    assert deliverer.state == "stopped"
