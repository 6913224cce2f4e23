"""GET /api/live: the team's replies pushed to the widget while a live chat is open.

Server-Sent Events (aiohttp-sse). The stream reads the outbox itself, so a
reply written on another host arrives too. Each reply is sent once per
stream, in order, however many wait (woken at once by a reply from this
process's staff app, else polled every POLL_SECONDS); the widget marks it
seen, as it does with polled notifications. A "taken" event says once
that a person from the team has taken the chat. The stream ends with an "ended" event when the live chat ends, and after
MAX_STREAM_SECONDS (the browser's EventSource then reconnects).

Each stream polls the database twice a second, so a stranger's streams are
budgeted: one per conversation (the newest wins, as a reloaded page
reconnects) and STREAMS_PER_ADDRESS per client address in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Iterator

from aiohttp import web
from aiohttp_sse import sse_response
from sqlalchemy.exc import SQLAlchemyError

from actions.db import live
from bot.shared.proxies import client_address
from bot.shared.services import Wakeup
from bot.web.chat import ChatApi, live_state, pending
from bot.web.errors import BAD_REQUEST, TOO_FAST, TOO_MANY_STREAMS, error

POLL_SECONDS = 0.5
MAX_STREAM_SECONDS = 300
RETRY_MS = 3000
STREAMS_PER_ADDRESS = 4


class LiveStreams:
    """The open streams of this process, by conversation and by address."""

    def __init__(self, per_address: int = STREAMS_PER_ADDRESS) -> None:
        self.per_address = per_address
        self._newest: dict[str, asyncio.Event] = {}  # set: a newer one took over
        self._addresses: Counter[str] = Counter()

    def full(self, address: str) -> bool:
        return self._addresses[address] >= self.per_address

    @contextlib.contextmanager
    def open(self, sender: str, address: str) -> Iterator[asyncio.Event]:
        """An event that is set when a newer stream of the conversation opens."""
        if sender in self._newest:
            self._newest[sender].set()
        replaced = self._newest[sender] = asyncio.Event()
        self._addresses[address] += 1
        try:
            yield replaced
        finally:
            self._addresses[address] -= 1
            if not self._addresses[address]:
                del self._addresses[address]
            if self._newest.get(sender) is replaced:
                del self._newest[sender]


async def live_stream(
    chat: ChatApi, wakeup: Wakeup, streams: LiveStreams, request: web.Request
) -> web.StreamResponse:
    sender = chat.sender_of(request.query.get("session"))
    if sender is None:
        return error(400, BAD_REQUEST)
    if not await chat.allowed(request):
        return error(429, TOO_FAST, **{"Retry-After": "10"})
    address = client_address(request, chat.settings.trusted_proxies)
    if streams.full(address):
        return error(429, TOO_MANY_STREAMS, **{"Retry-After": "30"})
    with streams.open(sender, address) as replaced:
        return await _stream(chat, wakeup, request, sender, replaced)


async def _stream(
    chat: ChatApi,
    wakeup: Wakeup,
    request: web.Request,
    sender: str,
    replaced: asyncio.Event,
) -> web.StreamResponse:
    db = chat.gateway.db

    last_sent = 0  # the stream's cursor: each reply once, however many wait

    def state(session):
        return pending(session, sender, after=last_sent), live_state(session, sender)

    taken_told = False

    deadline = time.monotonic() + MAX_STREAM_SECONDS
    async with sse_response(request) as stream:
        # The browser may leave while a write is under way: nothing to tell.
        with contextlib.suppress(ConnectionResetError):
            while (
                stream.is_connected()
                and time.monotonic() < deadline
                and not replaced.is_set()
            ):
                try:
                    rows, status = await db.run(state, read_only=True)
                except SQLAlchemyError:
                    await asyncio.sleep(RETRY_MS / 1000)
                    continue
                for row in rows:
                    last_sent = row["id"]
                    await stream.send(json.dumps(row), event="reply", retry=RETRY_MS)
                if status is None:
                    await stream.send(json.dumps({"live": False}), event="ended")
                    break
                if status == live.TAKEN and not taken_told:
                    # "Wir suchen eine Person" becomes "… schreibt mit Ihnen".
                    await stream.send(json.dumps({"taken": True}), event="taken")
                    taken_told = True
                await wakeup.wait(POLL_SECONDS)
    return stream
