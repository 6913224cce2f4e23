"""/livez, /readyz and /metrics of the real web app on a real database; Rasa
and the action server are not running here, so the host is not ready."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from actions.db import live, notifications
from actions.db import suggestions as store
from actions.db.models import utcnow
from actions.db.session import in_transaction
from bot.server import create_app
from bot.shared.health import ReadinessProbe
from core.settings import Settings

TOKEN = "m" * 40


def _sample(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


async def test_alive_but_not_ready_without_rasa(client):
    live_answer = await client.get("/livez")
    assert live_answer.status == 200
    ready = await client.get("/readyz")
    assert ready.status == 503
    body = await ready.json()
    assert body["checks"] == {"rasa": False, "actions": False, "database": True}
    assert ready.headers["Cache-Control"] == "no-store"


async def test_metrics_count_the_waiting_work(client, web_settings):
    now = utcnow()

    def work(session):
        store.create(
            session,
            store.NewSuggestion(form_run_id="r1", channel="web", sender_key="k1",
                                text="Mehr Bänke im Stadtpark", topic="Beteiligung"),
            daily_limit=5,
        )  # fmt: skip
        notifications.queue(session, "telegram", "telegram:1", "Hallo",
                            now=now - timedelta(minutes=20))  # fmt: skip
        live.start(session, sender_id="web:abc", sender_key="k2", channel="web",
                   now=now - timedelta(minutes=3))  # fmt: skip

    in_transaction(web_settings.database_url, work)
    answer = await client.get("/metrics")
    assert answer.status == 200
    text = await answer.text()
    assert _sample(text, 'smartcity_suggestions{status="eingegangen"}') == 1
    assert (
        _sample(text, 'smartcity_notifications{channel="telegram",state="waiting"}')
        == 1
    )
    oldest = _sample(
        text, 'smartcity_notification_oldest_waiting_seconds{channel="telegram"}'
    )
    assert 20 * 60 - 5 < oldest < 20 * 60 + 60
    assert _sample(text, "smartcity_live_chats_waiting") == 1
    assert _sample(text, 'smartcity_ready{check="database"}') == 1
    assert _sample(text, 'smartcity_ready{check="rasa"}') == 0
    assert _sample(text, "smartcity_disk_free_bytes") > 0
    # The counters of this process are there too.
    assert "smartcity_database_seconds_count" in text


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-For": "203.0.113.7"},
        {"Forwarded": "for=203.0.113.7"},
        {"X-Forwarded-For": "203.0.113.7", "Authorization": "Bearer wrong"},
    ],
)
async def test_metrics_are_not_for_the_public(aiohttp_client, web_settings, headers):
    settings = Settings.from_env(
        {
            "DATABASE_URL": web_settings.database_url,
            "SMARTCITY_VAR_DIR": str(web_settings.var_dir),
            "METRICS_TOKEN": TOKEN,
        }
    )
    client = await aiohttp_client(create_app(settings))
    answer = await client.get("/metrics", headers=headers)
    assert answer.status == 404
    allowed = await client.get(
        "/metrics", headers={**headers, "Authorization": f"Bearer {TOKEN}"}
    )
    assert allowed.status == 200


async def test_readiness_is_checked_once_a_second_however_many_ask(client, monkeypatch):
    checks = []
    original = ReadinessProbe._check_all

    async def counted(self):
        checks.append(1)
        return await original(self)

    monkeypatch.setattr(ReadinessProbe, "_check_all", counted)
    answers = await asyncio.gather(*(client.get("/readyz") for _ in range(50)))
    assert {a.status for a in answers} == {503}
    assert len(checks) == 1
