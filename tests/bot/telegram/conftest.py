"""A fresh loopback Bot API server per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bot.telegram.bot_api import FakeBotApi


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi().start()
    yield api
    api.stop()
