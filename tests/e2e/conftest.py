"""One real assistant (`smartcity run`: action server, Rasa, web app with the
Telegram bot) for the whole end-to-end session, and the loopback Bot API server
that stands in for Telegram."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator

import aiohttp
import pytest
from aiosmtpd.controller import Controller
from playwright import sync_api as playwright_api

from actions.db.session import upgrade
from bot.launcher import LaunchError, find_model
from bot.server import create_app
from core.settings import PROJECT_ROOT, Settings
from tests.bot.shared.conftest import MAIL_FROM, Inbox, free_port
from tests.bot.telegram.bot_api import BOT_USER, TOKEN, FakeBotApi
from tests.e2e.assistant import (
    Assistant,
    StartupError,
    is_listening,
    logged_level,
    readable,
    start,
)
from tests.e2e.chat import (
    IDEA,
    ORIGIN,
    PROBE_EMAIL,
    PROBE_IDEA,
    SERVICE_PORTAL,
    SESSION_MAX_TURNS,
    say,
)
from tests.e2e.live import OFFICE_OPEN

CHAT_ID = re.compile(r"telegram:-?\d{3,}")


@pytest.fixture(scope="session")
def bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi().start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def mail_server() -> Iterator[Inbox]:
    """Where the assistant sends news by e-mail: the form offers e-mail only
    with a mail server (SMTP_HOST)."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, bot_api, mail_server) -> Iterator[Assistant]:
    try:
        find_model(PROJECT_ROOT / "models")
    except LaunchError as error:
        pytest.fail(f"{error} (make test trains it)")
    telegram = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": bot_api.base_url,
        # The web chat links to it: "Auf Telegram weiterverfolgen" (issue 36.3).
        "TELEGRAM_BOT_USERNAME": BOT_USER["username"],
        "NOTIFICATION_POLL_SECONDS": "0.5",
        # Office hours for the live chat: a Wednesday morning (tests/e2e/live.py).
        "SMARTCITY_FIXED_TIME": OFFICE_OPEN,
        # Every test is one client address here; the limit per address has its
        # own tests (test_bad_input.py, with a web app of their own).
        "WEB_ADDRESS_PER_MINUTE": "1000",
        # The live chats of every test wait from this one address; the caps
        # have tests of their own (tests/actions/sdk/test_live_actions.py).
        "LIVE_MAX_WAITING": "1000",
        "LIVE_WAITING_PER_ADDRESS": "1000",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail_server.port),
        "SMTP_TLS": "none",
        "MAIL_FROM": MAIL_FROM,
        # Two Rasa workers whatever the machine: an edited answer must reach
        # both (issue 33.1), like the scale-out tests' two hosts.
        "RASA_WORKERS": "2",
        # Short sessions, so that every longer test crosses one (issue 30).
        "SESSION_MAX_TURNS": str(SESSION_MAX_TURNS),
        # Out-of-scope answers link here (issue 31.8).
        "SERVICE_PORTAL_URL": SERVICE_PORTAL,
        # The operators' format (issue 35): the checks below read every line
        # of every process in it, and test_logs.py follows request ids.
        "LOG_FORMAT": "json",
    }
    try:
        # Issue 13: one database for the city's tables and Rasa's conversations
        # is what an operator tries first.
        running = start(tmp_path_factory.mktemp("e2e"), telegram, one_database=True)
    except StartupError as error:
        pytest.fail(str(error))
    yield running
    # Ctrl-C must stop the launcher and every server cleanly.
    assert running.stop() == 0, running.log.read_text()[-3000:]
    for port in (running.rasa_port, running.action_port, running.web_port):
        assert not is_listening(port)
    lines = running.log.read_text().splitlines()
    errors = [line for line in lines if logged_level(line) in ("ERROR", "CRITICAL")]
    assert not errors, "\n".join(errors[:10])
    # Issue 13: no idea, e-mail address, chat id or token in any log line;
    # issue 35: in any field of one, read as JSON (with its escapes undone).
    private = (IDEA, PROBE_IDEA, PROBE_EMAIL, TOKEN)
    leaked = [
        line
        for line in map(readable, lines)
        if any(value in line for value in private) or CHAT_ID.search(line)
    ]
    assert not leaked, "\n".join(leaked[:10])


@pytest.fixture
async def chat(assistant):
    async with aiohttp.ClientSession() as http:
        sender = uuid.uuid4().hex

        async def send(text: str, who: str | None = None) -> list[dict]:
            return await say(http, assistant.webhook, who or sender, text)

        send.sender = sender
        yield send


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's Chromium; per module, so that no async test runs beside it."""
    chromium = shutil.which("chromium")
    if chromium is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture
def make_client(assistant, aiohttp_client, tmp_path):
    """The real web app in-process, with its own limits, on the shared Rasa."""

    async def make(**env: str):
        settings = Settings.from_env(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}",
                "SMARTCITY_VAR_DIR": str(tmp_path / "var"),
                "RASA_PORT": str(assistant.rasa_port),
                "ACTION_PORT": str(assistant.action_port),
                "WEB_ALLOWED_ORIGINS": ORIGIN,
                # Rasa's API (is a form asking for a photo?) takes the shared token.
                "RASA_API_TOKEN": (assistant.workdir / "var" / "rasa-api.token")
                .read_text()
                .strip(),
                **env,
            }
        )
        upgrade(settings.database_url)
        return await aiohttp_client(create_app(settings))

    return make
