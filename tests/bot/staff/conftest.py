"""The staff app on the real web app, with a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from actions.db import accounts
from actions.db.session import in_transaction
from bot.server import create_app
from core.settings import Settings
from tests.bot.staff.helpers import PASSWORDS


@pytest.fixture
def staff_settings(database_url, tmp_path) -> Settings:
    settings = Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "SMARTCITY_VAR_DIR": str(tmp_path / "var"),
            "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
            "STAFF_LOGIN_ATTEMPTS": "3",
        }
    )
    in_transaction(
        database_url,
        lambda s: [
            accounts.add_user(s, "anna", "admin", PASSWORDS["anna"], actor="test"),
            accounts.add_user(s, "rudi", "reviewer", PASSWORDS["rudi"], actor="test"),
        ],
    )
    return settings


@pytest.fixture
async def client(aiohttp_client, staff_settings):
    return await aiohttp_client(create_app(staff_settings))
