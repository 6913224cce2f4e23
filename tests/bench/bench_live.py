"""Benchmark of the live chat: how long a staff reply takes to reach the citizen.

    python -m tests.bench.bench_live [--replies N]

Starts `smartcity run` with the loopback Bot API server and a fixed clock in
office hours. A staff member logs in, becomes available and takes a widget chat
and a Telegram chat. Each delay runs from the start of the staff app's reply
POST until the citizen has it: for the widget, the "reply" event on the
Server-Sent Events stream `/api/live` (as widget.js listens); for Telegram,
the Bot API server receiving sendMessage. Figures are medians of one run and go
to reports/bench/live.json. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from tests.bench.bench_assistant import report
from tests.bot.telegram.bot_api import TOKEN, FakeBotApi
from tests.e2e.assistant import Assistant, start
from tests.e2e.chat import ORIGIN
from tests.e2e.live import OFFICE_OPEN, LiveStaff, logged_in, widget_session

HUMAN = "Ich möchte mit einem Menschen sprechen"


async def chat_with(staff: LiveStaff, text: str) -> int:
    """The queue's chat whose transcript holds `text` (it arrives within seconds)."""
    for _ in range(100):
        for chat in await staff.queue():
            if any(m["text"] == text for m in await staff.messages(chat["id"])):
                return chat["id"]
        await asyncio.sleep(0.2)
    raise RuntimeError(f"no live chat with {text!r}")


async def next_reply(stream: aiohttp.ClientResponse) -> dict:
    """The data of the next "reply" event of a Server-Sent Events stream, with
    the moment it arrived."""
    event = None
    while True:
        raw = await asyncio.wait_for(stream.content.readline(), 30)
        if not raw:
            raise RuntimeError("the stream closed")
        line = raw.decode().rstrip("\r\n")
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == "reply":
            return {**json.loads(line.split(":", 1)[1]), "received": time.monotonic()}
        elif line.startswith("data:") and event == "ended":
            raise RuntimeError("the live chat ended")


async def widget_delays(assistant: Assistant, staff: LiveStaff, count: int):
    session, delays = widget_session(), []
    async with aiohttp.ClientSession() as http:
        chat = {"session": session, "message": HUMAN}
        headers = {"Origin": ORIGIN}
        async with http.post(f"{assistant.web_url}/api/chat", json=chat,
                             headers=headers) as response:  # fmt: skip
            assert (await response.json())["live"] is True
        marker = f"Widget-Messung {session[:6]}"
        chat["message"] = marker
        await http.post(f"{assistant.web_url}/api/chat", json=chat, headers=headers)
        chat_id = await chat_with(staff, marker)
        await staff.post(f"/live/{chat_id}/take")
        url = f"{assistant.web_url}/api/live?session={session}"
        async with http.get(url, headers=headers) as stream:
            assert stream.status == 200, await stream.text()
            seen = f"{assistant.web_url}/api/notifications/seen"
            taken = await next_reply(stream)  # "… hat das Gespräch übernommen"
            await http.post(seen, json={"session": session, "ids": [taken["id"]]})
            for index in range(count):
                # Read while the staff app renders its page after the POST.
                reader = asyncio.create_task(next_reply(stream))
                began = time.monotonic()
                await staff.post(f"/live/{chat_id}/reply", text=f"Antwort {index}")
                reply = await reader
                delays.append(reply["received"] - began)
                assert reply["text"].endswith(f"Antwort {index}"), reply
                # As widget.js does; the stream sends only unseen replies.
                await http.post(seen, json={"session": session, "ids": [reply["id"]]})
        await staff.post(f"/live/{chat_id}/end")
    return delays


async def telegram_delays(api: FakeBotApi, staff: LiveStaff, count: int):
    chat, delays = 8800 + int(time.time()) % 100, []
    before = len(api.sent("sendMessage", chat))
    api.send_text(chat, "/mensch")
    await api.until("sendMessage", chat, count=before + 1, timeout=60)
    marker = f"Telegram-Messung {chat}"
    api.send_text(chat, marker)
    chat_id = await chat_with(staff, marker)
    seen = len(api.sent("sendMessage", chat))
    await staff.post(f"/live/{chat_id}/take")
    # "… hat das Gespräch übernommen" first.
    seen = len(await api.until("sendMessage", chat, count=seen + 1, timeout=30))
    for index in range(count):
        began = time.monotonic()
        await staff.post(f"/live/{chat_id}/reply", text=f"Antwort {index}")
        calls = await api.until("sendMessage", chat, count=seen + 1, timeout=30)
        delays.append(calls[seen].at - began)
        seen += 1
    await staff.post(f"/live/{chat_id}/end")
    return delays


async def measure(assistant: Assistant, api: FakeBotApi, count: int):
    jar = aiohttp.CookieJar(unsafe=True)  # cookies of 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        staff = await logged_in(assistant, http, "bench-anna")
        await staff.available()
        try:
            widget = await widget_delays(assistant, staff, count)
            telegram = await telegram_delays(api, staff, count)
        finally:
            await staff.available(False)
    return widget, telegram


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=20)
    args = parser.parse_args()
    if args.replies < 1:
        parser.error("--replies must be at least 1")
    api = FakeBotApi().start()
    with tempfile.TemporaryDirectory() as workdir:
        env = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": api.base_url,
            "SMARTCITY_FIXED_TIME": OFFICE_OPEN,
        }
        assistant = start(Path(workdir), env)
        try:
            widget, telegram = asyncio.run(measure(assistant, api, args.replies))
        finally:
            assistant.stop()
            api.stop()
    report(
        {
            "replies_per_channel": len(widget),
            "widget_sse_reply_ms_median": statistics.median(widget) * 1000,
            "widget_sse_reply_ms_max": max(widget) * 1000,
            "telegram_reply_ms_median": statistics.median(telegram) * 1000,
            "telegram_reply_ms_max": max(telegram) * 1000,
        },
        "live",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
