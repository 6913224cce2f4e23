"""Figures of the dashboard: suggestions per week, topic and status, and the
questions the assistant could not answer (from Rasa's tracker store)."""

from __future__ import annotations

import json
import logging
import re
import time
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.db import conversations
from actions.db.models import Suggestion, utcnow
from actions.db.suggestions import STATUS_LABELS

logger = logging.getLogger(__name__)

WEEKS = 12
# A message counts as unanswered when the assistant's next action is one of these
# (the rules for nlu_fallback and out_of_scope, and Rasa's core fallback).
# Form answers are classified as fallback too but get the form's next question.
UNANSWERED_ACTIONS = ("utter_fallback", "utter_out_of_scope", "action_default_fallback")
UNANSWERED_DAYS = 30
UNANSWERED_SCAN_LIMIT = 50_000


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


def _normalised(text: str) -> str:
    return re.sub(r"[\s?!.]+$", "", " ".join(text.split())).casefold()


def _text(raw: str | None) -> str:
    try:
        return (json.loads(raw or "{}").get("text") or "").strip()
    except (TypeError, ValueError, AttributeError):
        return ""


def unanswered(tracker_url: str, limit: int = 10) -> list[tuple[str, int]] | None:
    """The most frequent messages the assistant answered with a fallback.

    None when the tracker store cannot be read; [] when there is nothing yet.
    """
    if not conversations.exists(tracker_url):
        return []  # no conversation yet
    since = time.time() - UNANSWERED_DAYS * 86400
    events = conversations.TRACKER_EVENTS.c
    statement = (
        select(events.sender_id, events.type_name, events.action_name, events.data)
        .where(
            events.type_name.in_(("user", "action")),
            events.timestamp >= since,
        )
        .order_by(events.sender_id, events.id)
        .limit(UNANSWERED_SCAN_LIMIT)
    )
    try:
        with conversations.tracker_engine(tracker_url).connect() as connection:
            rows = connection.execute(statement).all()
    except SQLAlchemyError as error:
        logger.warning("tracker store not readable for the dashboard: %s", error)
        return None
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    waiting: tuple[str, str] | None = None  # (sender, text) awaiting its answer
    for sender, kind, action, data in rows:
        if kind == "user":
            text = _text(data)
            # Button payloads are not words of a citizen.
            waiting = (sender, text) if text and not text.startswith("/") else None
        elif waiting and waiting[0] == sender and action != "action_listen":
            if action in UNANSWERED_ACTIONS:
                key = _normalised(waiting[1])
                counts[key] += 1
                shown.setdefault(key, " ".join(waiting[1].split())[:200])
            waiting = None
    return [(shown[key], count) for key, count in counts.most_common(limit)]
