"""The web app's Telegram service in this process, in front of the real Rasa:
webhook mode with its secret, and Rasa going away and coming back."""

from __future__ import annotations

import asyncio
import html
import time
import uuid
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp import web
from telegram import Chat

from actions.db.session import Database, upgrade
from bot.server import create_app
from bot.shared.gateway import ConversationGateway
from bot.shared.rasa_client import RasaClient
from bot.telegram import texts
from bot.telegram.bridge import Bridge
from bot.telegram.service import SECRET_HEADER
from core.settings import Settings
from tests.bot.telegram.bot_api import TOKEN, FakeBotApi
from tests.e2e.assistant import free_port
from tests.e2e.proxy import SwitchableProxy

SECRET = "Stadt-Webhook_secret-0123456789"


@pytest.fixture
def own_api():
    """A Bot API server of its own: the session's one is polled by `smartcity run`."""
    api = FakeBotApi().start()
    yield api
    api.stop()


@pytest.fixture
async def serve(
    assistant, own_api, tmp_path
) -> AsyncIterator[Callable[..., asyncio.Future]]:
    runners = []

    async def start(wait: bool = True, **env: str) -> Settings:
        settings = Settings.from_env(
            {
                # Its own database: its outbox must not take the session's rows.
                "DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}",
                "SMARTCITY_VAR_DIR": str(tmp_path / "var"),
                "RASA_PORT": str(assistant.rasa_port),
                "ACTION_PORT": str(assistant.action_port),
                "WEB_PORT": str(free_port()),
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BASE_URL": own_api.base_url,
                **env,
            }
        )
        upgrade(settings.database_url)
        runner = web.AppRunner(create_app(settings))
        await runner.setup()
        await web.TCPSite(runner, settings.web_host, settings.web_port).start()
        runners.append(runner)
        if wait:
            await _until_state(settings, "running")
        return settings

    yield start
    for runner in runners:
        await runner.cleanup()


async def _until_state(settings: Settings, state: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(100):
            async with http.get(f"{settings.web_url}/healthz") as response:
                if (await response.json())["telegram"] == state:
                    return
            await asyncio.sleep(0.1)
    raise AssertionError(f"the Telegram service did not reach {state!r}")


async def test_webhook_accepts_only_requests_with_the_secret(own_api, serve):
    settings = await serve(
        TELEGRAM_WEBHOOK_URL="https://stadt.example/telegram/hook",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
    )
    (registered,) = own_api.sent("setWebhook")
    assert registered.params["url"] == "https://stadt.example/telegram/hook"
    assert registered.params["secret_token"] == SECRET
    assert not own_api.sent("getUpdates")  # no polling in webhook mode

    hook = f"{settings.web_url}/telegram/hook"
    update = {
        "update_id": 1,
        "message": own_api.message(777, "Was ist die Mitmachplattform?"),
    }
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET[:-1]}):
            async with http.post(hook, json=update, headers=headers) as response:
                assert response.status == 403
        for body in ("{kaputt", "[1, 2]", '{"update_id": "x", "message": 5}',
                     "[" * 20_000, '{"update_id": 1, "message": {"chat": "x"}}',
                     '{"update_id": 1e999}', b"\xff\xfe{}", ""):  # fmt: skip
            async with http.post(
                hook, data=body, headers={SECRET_HEADER: SECRET}
            ) as response:
                assert response.status == 400
        async with http.post(
            hook, json=update, headers={SECRET_HEADER: SECRET}
        ) as response:
            assert response.status == 200

    (reply,) = await own_api.until("sendMessage", 777)
    assert "MitWirkung" in html.unescape(reply.text)
    await asyncio.sleep(0.5)
    assert len(own_api.sent("sendMessage")) == 1  # rejected posts were not handled


async def ask_timed(api: FakeBotApi, chat: int, text: str) -> tuple[str, float]:
    before = len(api.sent("sendMessage", chat))
    began = time.monotonic()
    api.send_text(chat, text)
    calls = await api.until("sendMessage", chat, count=before + 1, timeout=30)
    return html.unescape(calls[before].text), time.monotonic() - began


async def test_the_bot_waits_for_rasa_before_taking_messages(assistant, own_api, serve):
    proxy = SwitchableProxy(free_port(), assistant.rasa_port)  # Rasa still loading
    settings = await serve(wait=False, RASA_PORT=str(proxy.port))
    try:
        await _until_state(settings, "waiting for Rasa")
        own_api.send_text(802, "Was ist die Mitmachplattform?")
        await asyncio.sleep(1.5)
        assert not own_api.sent("getUpdates")  # Telegram keeps the message meanwhile

        await proxy.up()
        (reply,) = await own_api.until("sendMessage", 802)
        assert "MitWirkung" in html.unescape(reply.text)
    finally:
        await proxy.down()


async def test_rasa_down_gets_an_answer_and_the_bot_recovers(assistant, own_api, serve):
    proxy = SwitchableProxy(free_port(), assistant.rasa_port)
    await proxy.up()
    await serve(RASA_PORT=str(proxy.port), RASA_TIMEOUT="2")
    question = "Was ist die Mitmachplattform?"
    try:
        await proxy.down()  # Rasa stopped: nothing listens
        answer, seconds = await ask_timed(own_api, 801, question)
        assert answer == texts.UNAVAILABLE and seconds < 3

        await proxy.hang()  # Rasa accepts the connection but never answers
        answer, seconds = await ask_timed(own_api, 801, question)
        assert answer == texts.UNAVAILABLE and seconds < 5

        await proxy.up()  # Rasa is back: the same bot answers again
        answer, _ = await ask_timed(own_api, 801, question)
        assert "MitWirkung" in answer
    finally:
        await proxy.down()


@pytest.mark.parametrize("actions_up", [True, False])
async def test_an_empty_reply_is_explained(assistant, actions_up):
    """Rasa says nothing, e.g. when a custom action failed; "/restart" makes the
    real Rasa answer with nothing. The bridge then asks the action server."""
    port = assistant.action_port if actions_up else free_port()
    health = f"http://127.0.0.1:{port}/health"
    settings = Settings.from_env({"DATABASE_URL": assistant.database_url})
    # The running assistant's API token: the gateway asks whether Rasa paused.
    token = (assistant.workdir / "var" / "rasa-api.token").read_text().strip()
    async with RasaClient(
        assistant.rasa_url, health, timeout=10, api_token=token
    ) as rasa:
        (message,) = await Bridge(
            ConversationGateway(settings, Database(settings.database_url), rasa)
        ).replies(
            f"telegram:{uuid.uuid4().int % 10**9}", Chat(1, Chat.PRIVATE), "/restart"
        )
    expected = texts.NO_ANSWER if actions_up else texts.UNAVAILABLE
    assert html.unescape(message.html) == expected
