"""Bad input: a flood of /api/live streams (issue 30). One address held 300
Server-Sent-Event streams, each polling the database twice a second; now it
holds STREAMS_PER_ADDRESS, the rest get a German 429, and another citizen's
question is answered within two seconds meanwhile (real Rasa)."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from actions.db import live
from actions.db.models import utcnow
from actions.db.session import in_transaction
from bot.web.app import CHAT, SETTINGS
from bot.web.errors import TOO_MANY_STREAMS
from bot.web.live_stream import STREAMS_PER_ADDRESS
from tests.e2e.test_bad_input import NORMAL, NORMAL_ANSWER

FLOOD = 60
CITIZEN_SECONDS = 2.0
ATTACKER, CITIZEN = "198.51.100.66", "203.0.113.51"


@pytest.fixture
async def web(make_client):
    client = await make_client(
        TRUSTED_PROXIES="127.0.0.1/32", WEB_ADDRESS_PER_MINUTE="100000"
    )
    client.settings = client.server.app[SETTINGS]
    client.sender = client.server.app[CHAT].sender
    return client


async def test_a_stream_flood_holds_a_few_streams_and_a_citizen_is_answered(web):
    sessions = [uuid.uuid4().hex for _ in range(FLOOD)]
    for session in sessions:  # each in a live chat: its stream would stay open
        sender = web.sender(session)
        in_transaction(web.settings.database_url, lambda s, sender=sender: live.start(
            s, sender_id=sender, sender_key="k", channel="web", now=utcnow()))  # fmt: skip

    async def open_stream(session: str):
        return await web.get(
            f"/api/live?session={session}", headers={"X-Forwarded-For": ATTACKER}
        )

    streams = await asyncio.gather(*(open_stream(s) for s in sessions))
    began = time.monotonic()
    answer = await web.post(
        "/api/chat",
        json={"session": uuid.uuid4().hex, "message": NORMAL},
        headers={"X-Forwarded-For": CITIZEN},
    )
    waited = time.monotonic() - began
    try:
        held = [s for s in streams if s.status == 200]
        refused = [s for s in streams if s.status == 429]
        assert len(held) == STREAMS_PER_ADDRESS
        assert len(refused) == FLOOD - STREAMS_PER_ADDRESS
        assert (await refused[0].json())["error"] == TOO_MANY_STREAMS
        assert answer.status == 200
        assert NORMAL_ANSWER in (await answer.json())["messages"][0]["text"]
        assert waited < CITIZEN_SECONDS
    finally:
        for stream in streams:
            stream.close()
