"""Figures of the dashboard: suggestions per week, topic and status, and the
questions the assistant could not answer (from Rasa's tracker store)."""

from __future__ import annotations

import json
import logging
import re
import time
from collections import Counter
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import column, func, select, table
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.future import create_engine
from sqlalchemy.orm import Session

from actions.db.models import Suggestion, utcnow
from actions.db.suggestions import STATUS_LABELS

logger = logging.getLogger(__name__)

WEEKS = 12
UNANSWERED_INTENTS = ("nlu_fallback", "out_of_scope")
UNANSWERED_DAYS = 30
UNANSWERED_SCAN_LIMIT = 5000

# Rasa's SQLTrackerStore table, read-only: only the columns needed here.
TRACKER_EVENTS = table(
    "events",
    column("type_name"),
    column("intent_name"),
    column("timestamp"),
    column("data"),
)


def per_week(session: Session, tz: ZoneInfo, now: datetime | None = None):
    """(labels, counts) for the last WEEKS calendar weeks, oldest first."""
    today = (now or utcnow()).astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    weeks = [monday - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
    since = datetime.combine(weeks[0], datetime.min.time(), tz)
    counts = Counter()
    created = session.scalars(
        select(Suggestion.created_at).where(
            Suggestion.created_at >= since, Suggestion.hidden_at.is_(None)
        )
    )
    for moment in created:
        day = moment.astimezone(tz).date()
        counts[day - timedelta(days=day.weekday())] += 1
    labels = [f"KW {week.isocalendar()[1]}" for week in weeks]
    return labels, [counts[week] for week in weeks]


def _grouped(session: Session, column_) -> list[tuple[str, int]]:
    rows = session.execute(
        select(column_, func.count(Suggestion.id))
        .where(Suggestion.hidden_at.is_(None))
        .group_by(column_)
        .order_by(func.count(Suggestion.id).desc(), column_)
    )
    return [(value, count) for value, count in rows]


def per_topic(session: Session) -> list[tuple[str, int]]:
    return _grouped(session, Suggestion.topic)


def per_status(session: Session) -> list[tuple[str, int]]:
    counts = dict(_grouped(session, Suggestion.status))
    return [(STATUS_LABELS[s], counts.get(s, 0)) for s in STATUS_LABELS]


@lru_cache(maxsize=4)
def _tracker_engine(url: str) -> Engine:
    return create_engine(url, future=True, pool_pre_ping=True)


def _normalised(text: str) -> str:
    return re.sub(r"[\s?!.]+$", "", " ".join(text.split())).casefold()


def unanswered(tracker_url: str, limit: int = 10) -> list[tuple[str, int]] | None:
    """The most frequent messages Rasa took for a fallback or out of scope.

    None when the tracker store cannot be read; [] when there is nothing yet.
    """
    parsed = make_url(tracker_url)
    if (
        parsed.get_backend_name() == "sqlite"
        and not Path(parsed.database or "").exists()
    ):
        return []  # no conversation yet; connecting would create an empty file
    since = time.time() - UNANSWERED_DAYS * 86400
    statement = (
        select(TRACKER_EVENTS.c.data)
        .where(
            TRACKER_EVENTS.c.type_name == "user",
            TRACKER_EVENTS.c.intent_name.in_(UNANSWERED_INTENTS),
            TRACKER_EVENTS.c.timestamp >= since,
        )
        .order_by(TRACKER_EVENTS.c.timestamp.desc())
        .limit(UNANSWERED_SCAN_LIMIT)
    )
    try:
        with _tracker_engine(tracker_url).connect() as connection:
            rows = connection.execute(statement).scalars().all()
    except SQLAlchemyError as error:
        logger.warning("tracker store not readable for the dashboard: %s", error)
        return None
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for raw in rows:
        try:
            text = json.loads(raw).get("text") or ""
        except (TypeError, ValueError, AttributeError):
            continue
        if text.startswith("/") or not text.strip():
            continue  # button payloads, not words of a citizen
        key = _normalised(text)
        counts[key] += 1
        shown.setdefault(key, " ".join(text.split())[:200])
    return [(shown[key], count) for key, count in counts.most_common(limit)]
