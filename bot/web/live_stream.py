"""GET /api/live: the team's replies pushed to the widget while a live chat is open.

Server-Sent Events (aiohttp-sse). The stream reads the outbox itself, so a
reply written on another host arrives too. Each reply is sent once per
stream, in order, however many wait (woken at once by a reply from this
process's staff app, else polled every POLL_SECONDS); the widget marks it
seen, as it does with polled notifications. The
stream ends with an "ended" event when the live chat ends, and after
MAX_STREAM_SECONDS (the browser's EventSource then reconnects).
"""

from __future__ import annotations

import asyncio
import json
import time

from aiohttp import web
from aiohttp_sse import sse_response
from sqlalchemy.exc import SQLAlchemyError

from actions.db import live
from actions.db.session import run_in_transaction
from bot.shared.live_chat import Wakeup
from bot.web.chat import BAD_REQUEST, TOO_FAST, ChatApi, error, pending

POLL_SECONDS = 0.5
MAX_STREAM_SECONDS = 300
RETRY_MS = 3000


async def live_stream(
    chat: ChatApi, wakeup: Wakeup, request: web.Request
) -> web.StreamResponse:
    sender = chat.sender_of(request.query.get("session"))
    if sender is None:
        return error(400, BAD_REQUEST)
    if not await chat.allowed(request):
        return error(429, TOO_FAST, **{"Retry-After": "10"})
    url = chat.settings.database_url

    last_sent = 0  # the stream's cursor: each reply once, however many wait

    def state(session):
        rows = pending(session, sender, after=last_sent)
        return rows, live.open_for(session, sender) is not None

    deadline = time.monotonic() + MAX_STREAM_SECONDS
    async with sse_response(request) as stream:
        while stream.is_connected() and time.monotonic() < deadline:
            try:
                rows, still_open = await run_in_transaction(url, state, read_only=True)
            except SQLAlchemyError:
                await asyncio.sleep(RETRY_MS / 1000)
                continue
            for row in rows:
                last_sent = row["id"]
                await stream.send(json.dumps(row), event="reply", retry=RETRY_MS)
            if not still_open:
                await stream.send(json.dumps({"live": False}), event="ended")
                break
            await wakeup.wait(POLL_SECONDS)
    return stream
