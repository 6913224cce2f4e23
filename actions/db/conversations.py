"""Rasa's tracker table, for what Rasa itself offers no API: the dashboard's
unanswered questions and the retention purge. Only the columns used here."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import column, delete, table
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.future import create_engine

TRACKER_EVENTS = table(
    "events",
    column("id"),
    column("sender_id"),
    column("type_name"),
    column("action_name"),
    column("timestamp"),
    column("data"),
)


@lru_cache(maxsize=4)
def tracker_engine(url: str) -> Engine:
    return create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)


def exists(url: str) -> bool:
    """False for a SQLite file not made yet; connecting would create it empty."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(parsed.database or "").exists()
    return True


def purge_before(url: str, before: datetime) -> int:
    """Delete every stored event older than `before`: messages, slot values
    (ideas, e-mail addresses, places) and all. Sessions end after an hour
    without a message (domain.yml), so no running conversation loses events it
    still needs."""
    if not exists(url):
        return 0
    with tracker_engine(url).begin() as connection:
        return connection.execute(
            delete(TRACKER_EVENTS).where(
                TRACKER_EVENTS.c.timestamp < before.timestamp()
            )
        ).rowcount
