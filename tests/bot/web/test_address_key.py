"""Issue 30.12: the action server learns from which client address a message
came only as a keyed hash of the address, valid for one day."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest

from bot.server import create_app
from bot.web.app import RASA
from core.secret_key import address_key
from core.settings import Settings

KEY = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
async def web(aiohttp_client, database_url, tmp_path, monkeypatch):
    settings = Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "SMARTCITY_VAR_DIR": str(tmp_path / "var"),
            "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
            "TRUSTED_PROXIES": "127.0.0.1/32",
        }
    )
    app = create_app(settings)
    sent: list[dict] = []

    async def send(sender, text, *, input_channel, metadata=None, **_):
        sent.append(metadata or {})
        return [{"recipient_id": sender, "text": "Gern."}]

    monkeypatch.setattr(app[RASA], "send", send)
    client = await aiohttp_client(app)
    client.sent, client.settings = sent, settings
    return client


async def say(web, address: str) -> dict:
    response = await web.post(
        "/api/chat",
        json={"session": uuid.uuid4().hex, "message": "Ich unterstütze V-ABCD-EFGH"},
        headers={"X-Forwarded-For": address},
    )
    assert response.status == 200, await response.text()
    return web.sent[-1]


async def test_each_message_carries_the_address_as_a_daily_key(web):
    first = await say(web, "198.51.100.7")
    again = await say(web, "198.51.100.7")
    other = await say(web, "198.51.100.8")
    assert KEY.match(first["address_key"]) and first["channel"] == "web"
    assert first["address_key"] == again["address_key"] != other["address_key"]
    assert "198.51.100.7" not in str(first)


def test_the_key_changes_with_the_day_and_with_the_secret(tmp_path):
    settings = Settings.from_env({"SMARTCITY_VAR_DIR": str(tmp_path / "a")})
    other = Settings.from_env({"SMARTCITY_VAR_DIR": str(tmp_path / "b")})
    today, tomorrow = date(2026, 12, 5), date(2026, 12, 6)
    key = address_key("198.51.100.7", today, settings)
    assert key == address_key("198.51.100.7", today, settings)
    assert key != address_key("198.51.100.7", tomorrow, settings)
    assert key != address_key("198.51.100.7", today, other)
    # One IPv6 /64 is one household, as one IPv4 address is.
    assert address_key("2001:db8:1:2::1", today, settings) == address_key(
        "2001:db8:1:2:ffff:1:2:3", today, settings
    )
