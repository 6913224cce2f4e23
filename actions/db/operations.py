"""What the operator's metrics read from the database at each scrape: the
state of the work that waits (suggestions, news to citizens, live chats).

Counts and ages only; no row's content ever leaves this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from actions.db import live
from actions.db.models import LiveChat, Notification, Suggestion
from actions.db.suggestions import STATUS_LABELS

WAITING, DELIVERED, FAILED = "waiting", "delivered", "failed"


@dataclass(frozen=True)
class Snapshot:
    suggestions: dict[str, int]  # status -> count
    notifications: dict[tuple[str, str], int]  # (channel, state) -> count
    oldest_notification: dict[str, float]  # channel -> seconds waiting
    live_waiting: int
    oldest_live_chat: float  # seconds the longest-waiting chat waits; 0 if none


def _seconds_since(moment: datetime | None, now: datetime) -> float:
    return max(0.0, (now - moment).total_seconds()) if moment else 0.0


def _aware(moment):
    """func.min() bypasses the UTC column type: SQLite gives naive UTC or text."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def snapshot(session: Session, now: datetime) -> Snapshot:
    # Every status, also at 0: a dashboard shows a status that has none yet.
    suggestions = dict.fromkeys(STATUS_LABELS, 0)
    suggestions |= dict(
        session.execute(
            select(Suggestion.status, func.count(Suggestion.id))
            .where(Suggestion.hidden_at.is_(None))
            .group_by(Suggestion.status)
        ).all()
    )
    state = case(
        (Notification.sent_at.is_not(None), DELIVERED),
        (Notification.failed_at.is_not(None), FAILED),
        else_=WAITING,
    )
    notifications, oldest = {}, {}
    rows = session.execute(
        select(
            Notification.channel,
            state,
            func.count(Notification.id),
            func.min(Notification.created_at),
        ).group_by(Notification.channel, state)
    )
    for channel, kind, count, first in rows:
        notifications[channel, kind] = count
        if kind == WAITING:
            oldest[channel] = _seconds_since(_aware(first), now)
    waiting, first_waiting = session.execute(
        select(func.count(LiveChat.id), func.min(LiveChat.created_at)).where(
            LiveChat.status == live.WAITING
        )
    ).one()
    return Snapshot(
        suggestions,
        notifications,
        oldest,
        waiting,
        _seconds_since(_aware(first_waiting), now),
    )
