"""One real assistant (`smartcity run`: action server, Rasa, web app with the
Telegram bot) for the whole end-to-end session, and the loopback Bot API server
that stands in for Telegram."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.launcher import LaunchError, find_model
from bot.settings import PROJECT_ROOT
from tests.e2e.assistant import Assistant, StartupError, is_listening, start
from tests.telegram.bot_api import TOKEN, FakeBotApi


@pytest.fixture(scope="session")
def bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi().start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, bot_api) -> Iterator[Assistant]:
    try:
        find_model(PROJECT_ROOT / "models")
    except LaunchError as error:
        pytest.fail(f"{error} (make test trains it)")
    telegram = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": bot_api.base_url,
        "OUTBOX_POLL_SECONDS": "0.5",
    }
    try:
        running = start(tmp_path_factory.mktemp("e2e"), telegram)
    except StartupError as error:
        pytest.fail(str(error))
    yield running
    # Ctrl-C must stop the launcher and every server cleanly.
    assert running.stop() == 0, running.log.read_text()[-3000:]
    for port in (running.rasa_port, running.action_port, running.web_port):
        assert not is_listening(port)
    errors = [
        line for line in running.log.read_text().splitlines() if " ERROR " in line
    ]
    assert not errors, "\n".join(errors[:10])
