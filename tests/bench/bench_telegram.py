"""Benchmark of the Telegram channel: what the bridge adds to Rasa's REST round trip,
and how soon a citizen hears "nicht erreichbar" when Rasa is down.

    python -m tests.bench.bench_telegram [--requests N]

Starts `smartcity run` with the loopback Bot API server. The same questions go
alternately over REST and over Telegram; a Telegram round trip runs from the
moment the update is offered to getUpdates until sendMessage reaches the Bot API
server, so it includes the long-poll pickup. Then a second web app in this process
talks to Rasa through a proxy that is switched off. Figures are medians of one
run; they also go to reports/bench/telegram.json. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from aiohttp import web

from actions.db.session import upgrade
from bot.server import create_app
from core.settings import Settings
from tests.bench.bench_assistant import report
from tests.bot.telegram.bot_api import TOKEN, FakeBotApi
from tests.e2e.assistant import Assistant, free_port, start
from tests.e2e.chat import say
from tests.e2e.proxy import SwitchableProxy

QUESTIONS = (
    "Was ist die Mitmachplattform?",
    "Welche Projekte gibt es zum Thema Mobilität?",
    "Was ist am Wochenende los?",
    "Was ist der Digitale Zwilling?",
)
WARM_UP = 4


async def telegram_round_trip(api: FakeBotApi, chat: int, text: str) -> float:
    before = len(api.sent("sendMessage", chat))
    began = time.monotonic()
    api.send_text(chat, text)
    calls = await api.until("sendMessage", chat, count=before + 1, timeout=60)
    return calls[before].at - began


async def round_trips(assistant: Assistant, api: FakeBotApi, count: int):
    rest, telegram = [], []
    chat, sender = 5000 + int(time.time()) % 1000, uuid.uuid4().hex
    async with aiohttp.ClientSession() as http:
        for index in range(count + WARM_UP):
            text = QUESTIONS[index % len(QUESTIONS)]
            began = time.monotonic()
            await say(http, assistant.webhook, sender, text)
            rest_seconds = time.monotonic() - began
            telegram_seconds = await telegram_round_trip(api, chat, text)
            if index >= WARM_UP:
                rest.append(rest_seconds)
                telegram.append(telegram_seconds)
    return rest, telegram


async def unavailable_replies(assistant: Assistant, workdir: Path, count: int):
    """Seconds until "nicht erreichbar" arrives, with Rasa's port closed."""
    api = FakeBotApi().start()
    proxy = SwitchableProxy(free_port(), assistant.rasa_port)
    await proxy.up()
    settings = Settings.from_env(
        {
            "DATABASE_URL": f"sqlite:///{workdir / 'down.db'}",
            "SMARTCITY_VAR_DIR": str(workdir / "var"),
            "RASA_PORT": str(proxy.port),
            "ACTION_PORT": str(assistant.action_port),
            "WEB_PORT": str(free_port()),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": api.base_url,
        }
    )
    upgrade(settings.database_url)
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    try:
        await api.until("getUpdates", timeout=60)
        await proxy.down()
        return [
            await telegram_round_trip(api, 7000, QUESTIONS[0]) for _ in range(count)
        ]
    finally:
        await runner.cleanup()
        api.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    api = FakeBotApi().start()
    with tempfile.TemporaryDirectory() as workdir:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": api.base_url}
        assistant = start(Path(workdir), env)
        try:
            rest, telegram = asyncio.run(round_trips(assistant, api, args.requests))
            down = asyncio.run(unavailable_replies(assistant, Path(workdir), 10))
        finally:
            assistant.stop()
            api.stop()
    rest_median, telegram_median = statistics.median(rest), statistics.median(telegram)
    report(
        {
            "requests": len(rest),
            "rest_roundtrip_ms_median": rest_median * 1000,
            "telegram_roundtrip_ms_median": telegram_median * 1000,
            "telegram_roundtrip_ms_p95": statistics.quantiles(telegram, n=20)[18]
            * 1000,
            "telegram_to_rest_ratio": telegram_median / rest_median,
            "rasa_down_reply_ms_median": statistics.median(down) * 1000,
            "rasa_down_reply_ms_max": max(down) * 1000,
        },
        "telegram",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
