"""The citizens' web app (bot.server) on a real database, without Rasa."""

from __future__ import annotations

import pytest

from bot.server import create_app
from core.settings import Settings


@pytest.fixture
def web_settings(database_url, tmp_path) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "SMARTCITY_VAR_DIR": str(tmp_path / "var"),
            "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        }
    )


@pytest.fixture
async def client(aiohttp_client, web_settings):
    return await aiohttp_client(create_app(web_settings))
