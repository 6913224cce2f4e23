"""GET /api/live: the team's replies pushed to the widget by Server-Sent Events."""

from __future__ import annotations

import asyncio
import json

import pytest

from actions.db import live, notifications
from actions.db.models import utcnow
from actions.db.session import in_transaction
from bot.web import live_stream
from bot.web.app import CHAT, REPLY_BUS
from bot.web.errors import TOO_MANY_STREAMS

SESSION = "b" * 32


async def next_event(stream) -> tuple[str, dict]:
    event = None
    while True:
        line = (await stream.content.readline()).decode().rstrip("\r\n")
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            return event, json.loads(line.split(":", 1)[1])


@pytest.fixture
def live_chat(client, web_settings):
    sender = client.server.app[CHAT].sender(SESSION)
    chat = in_transaction(
        web_settings.database_url,
        lambda s: live.start(s, sender_id=sender, sender_key="k", channel="web",
                             now=utcnow()).id,
    )  # fmt: skip
    return sender, chat


async def test_a_staff_reply_wakes_the_stream_at_once(
    client, web_settings, live_chat, monkeypatch
):
    # Without the wake-up, the next look at the outbox would be a minute away.
    monkeypatch.setattr(live_stream, "POLL_SECONDS", 60)
    sender, chat_id = live_chat
    url = web_settings.database_url
    async with client.get(f"/api/live?session={SESSION}") as stream:
        assert stream.status == 200
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        await asyncio.sleep(0.5)  # the stream has looked once and waits
        in_transaction(url, lambda s: notifications.queue(
            s, "web", sender, "Antwort aus dem Team:\nHallo", now=utcnow()))  # fmt: skip
        client.server.app[REPLY_BUS].publish()
        event, data = await asyncio.wait_for(next_event(stream), 10)
        assert (event, data["text"]) == ("reply", "Antwort aus dem Team:\nHallo")

        def end(session):
            live.end(session, session.get(live.LiveChat, chat_id), "anna", now=utcnow())

        in_transaction(url, end)
        client.server.app[REPLY_BUS].publish()
        event, data = await asyncio.wait_for(next_event(stream), 10)
        assert (event, data) == ("ended", {"live": False})


async def test_every_waiting_reply_arrives_once_and_in_order(
    client, web_settings, live_chat
):
    sender, _ = live_chat

    def queue_many(session):
        for n in range(25):  # more than one look at the outbox returns
            notifications.queue(session, "web", sender, f"Antwort {n}", now=utcnow())

    in_transaction(web_settings.database_url, queue_many)
    async with client.get(f"/api/live?session={SESSION}") as stream:
        texts = [
            (await asyncio.wait_for(next_event(stream), 10))[1]["text"]
            for _ in range(25)
        ]
    assert texts == [f"Antwort {n}" for n in range(25)]


async def test_a_stream_needs_a_valid_session(client):
    for query in ("", "?session=", "?session=%00", "?session=" + "x" * 500):
        response = await client.get(f"/api/live{query}")
        assert response.status == 400
        assert "error" in await response.json()


async def test_one_stream_per_conversation_the_newest_wins(client, live_chat):
    """Issue 30: a reloaded page reconnects; the old stream must not stay."""
    async with client.get(f"/api/live?session={SESSION}") as first:
        assert first.status == 200
        await asyncio.sleep(0.2)
        async with client.get(f"/api/live?session={SESSION}") as second:
            assert second.status == 200
            # The first stream closes within one poll.
            assert await asyncio.wait_for(first.content.read(), 5) is not None
            assert first.content.at_eof()
            assert not second.content.at_eof()


async def test_a_few_streams_per_address_then_a_german_429(client, web_settings):
    """Issue 30: one address held 300 streams, each polling twice a second."""
    chat = client.server.app[CHAT]
    sessions = [f"{n:032x}" for n in range(live_stream.STREAMS_PER_ADDRESS + 1)]
    for session in sessions:
        sender = chat.sender(session)
        in_transaction(web_settings.database_url, lambda s, sender=sender: live.start(
            s, sender_id=sender, sender_key="k", channel="web", now=utcnow()))  # fmt: skip
    opened = [
        await client.get(f"/api/live?session={session}") for session in sessions[:-1]
    ]
    assert [r.status for r in opened] == [200] * live_stream.STREAMS_PER_ADDRESS
    refused = await client.get(f"/api/live?session={sessions[-1]}")
    assert refused.status == 429
    assert (await refused.json())["error"] == TOO_MANY_STREAMS
    opened[0].close()
    await asyncio.sleep(1)  # the stream notices at its next poll
    again = await client.get(f"/api/live?session={sessions[-1]}")
    assert again.status == 200
    for response in (*opened, again):
        response.close()


async def test_taking_the_chat_is_told_once_and_notifications_say_so(
    client, web_settings, live_chat
):
    """Issue 31.5: "Wir suchen eine Person" until someone takes the chat."""
    _, chat_id = live_chat
    url = web_settings.database_url
    polled = await (await client.get(f"/api/notifications?session={SESSION}")).json()
    assert (polled["live"], polled["live_taken"]) == (True, False)
    async with client.get(f"/api/live?session={SESSION}") as stream:
        in_transaction(url, lambda s: live.take(s, chat_id, "anna", now=utcnow()))
        client.server.app[REPLY_BUS].publish()
        assert await asyncio.wait_for(next_event(stream), 10) == (
            "taken",
            {"taken": True},
        )
        in_transaction(url, lambda s: notifications.queue(
            s, "web", live_chat[0], "Hallo", now=utcnow()))  # fmt: skip
        client.server.app[REPLY_BUS].publish()
        event, _ = await asyncio.wait_for(next_event(stream), 10)
        assert event == "reply"  # not "taken" a second time
    polled = await (await client.get(f"/api/notifications?session={SESSION}")).json()
    assert (polled["live"], polled["live_taken"]) == (True, True)
