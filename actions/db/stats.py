"""Figures of the dashboard: suggestions per week, topic and status, and the
questions the assistant could not answer (from Rasa's tracker store)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.db import nlu_review
from actions.db.models import Suggestion, utcnow
from actions.db.suggestions import STATUS_LABELS

WEEKS = 12
UNANSWERED_DAYS = 30


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


def unanswered(tracker_url: str, limit: int = 10) -> list[tuple[str, int]] | None:
    """The most frequent messages the assistant answered with a fallback.

    None when the tracker store cannot be read; [] when there is nothing yet.
    """
    since = time.time() - UNANSWERED_DAYS * 86400
    found = nlu_review.missed(tracker_url, since)
    if found is None:
        return None
    counts = Counter(nlu_review.text_key(m.text) for m in found)
    # The first wording seen stands for the others.
    shown = {nlu_review.text_key(m.text): nlu_review.shown(m.text) for m in found[::-1]}
    return [(shown[key], count) for key, count in counts.most_common(limit)]
