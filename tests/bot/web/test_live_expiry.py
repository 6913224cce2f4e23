"""Issue 30: live chats end by themselves (bot/shared/live_expiry.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from actions.db import live
from actions.db.models import LiveChat, Notification
from actions.db.session import Database, in_transaction
from bot.shared import live_expiry
from bot.shared.rasa_client import RasaClient
from core.settings import Settings

WEDNESDAY_10 = "2026-12-02T10:00:00+01:00"
WEDNESDAY_20 = "2026-12-02T20:00:00+01:00"


def settings_at(web_settings: Settings, instant: str) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": web_settings.database_url,
            "SMARTCITY_VAR_DIR": str(web_settings.var_dir),
            "SMARTCITY_FIXED_TIME": instant,
            "RASA_PORT": "9",  # nothing listens: the gateway resumes Rasa later
        }
    )


def open_chat(url: str, sender: str, at) -> None:
    in_transaction(url, lambda s: live.start(
        s, sender_id=sender, sender_key="k", channel="web", now=at))  # fmt: skip


def state(url: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    def read(session):
        chats = {c.sender_id: c.status for c in session.scalars(select(LiveChat))}
        sent = [(n.recipient, n.text) for n in session.scalars(select(Notification))]
        return chats, sent

    return in_transaction(url, read)


async def test_an_idle_chat_ends_and_the_citizen_is_told(web_settings):
    settings = settings_at(web_settings, WEDNESDAY_10)
    now, url = settings.now(), settings.database_url
    open_chat(url, "web:quiet", now - timedelta(minutes=31))
    open_chat(url, "web:talking", now - timedelta(minutes=5))
    async with RasaClient(settings.rasa_url, settings.action_health_url, 1) as rasa:
        assert (
            await live_expiry.end_stale_chats(
                settings, Database(settings.database_url), rasa
            )
            == 1
        )
    chats, sent = state(url)
    assert chats == {"web:quiet": live.ENDED, "web:talking": live.WAITING}
    assert sent == [("web:quiet", live_expiry.IDLE_TEXT)]


async def test_at_closing_every_open_chat_ends(web_settings):
    settings = settings_at(web_settings, WEDNESDAY_20)
    url = settings.database_url
    open_chat(url, "web:late", settings.now() - timedelta(minutes=1))
    async with RasaClient(settings.rasa_url, settings.action_health_url, 1) as rasa:
        assert (
            await live_expiry.end_stale_chats(
                settings, Database(settings.database_url), rasa
            )
            == 1
        )
        assert (
            await live_expiry.end_stale_chats(
                settings, Database(settings.database_url), rasa
            )
            == 0
        )
    chats, sent = state(url)
    assert chats == {"web:late": live.ENDED}
    assert sent == [("web:late", live_expiry.CLOSED_TEXT)]
