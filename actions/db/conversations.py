"""Rasa's tracker table, for what Rasa itself offers no API: the messages the
assistant missed (dashboard and review) and the retention purge. Only the columns used here."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import column, delete, table
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.future import create_engine

logger = logging.getLogger(__name__)

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


def read(url: str, statement) -> list | None:
    """The rows of a query; None (and a warning) when the store is unreadable."""
    try:
        with tracker_engine(url).connect() as connection:
            return connection.execute(statement).all()
    except SQLAlchemyError as error:
        logger.warning("tracker store not readable: %s", error)
        return None


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
