"""How long the team usually takes to answer a suggestion (issue 36.4).

A case is a suggestion handed in within the last WINDOW, not hidden as spam,
that has had its first reply: the first status change by staff with a public
note. Its time runs from `created_at` to that change. Why that reply:
- The note is what the citizen reads as "Antwort der Stadt" (news, status
  answer). A status click without words ("in Prüfung") answers nothing, and
  counting it would make the figure shorter than what citizens experience.
- A message from the team without a status change (review.send_message)
  asks the citizen something back; it is no answer to the idea, and it
  leaves no status change, only its outbox row.
- A change the citizen made (changed_by CITIZEN, as the handing in) never
  counts, even with a note.

Suggestions not answered yet are no cases: their time is still running. So
the figure leaves out the slowest open ones; it says how fast answers came,
not how long everyone waits. The median in days, rounded up, stands for a
topic with at least MIN_CASES cases; else the overall one with as many; else
there is no figure.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.db.models import StatusChange, Suggestion
from actions.db.suggestions import CITIZEN, CLOSED

WINDOW = timedelta(days=180)
MIN_CASES = 5
DAY = timedelta(days=1)
# The figures move by days, and computing them takes about 50 ms at 10,000
# suggestions: a status answer or an inbox page reuses them for 5 minutes.
FRESH_SECONDS = 300.0


@dataclass(frozen=True)
class Turnaround:
    """The median time to the first reply among `cases` answered suggestions."""

    median: timedelta
    cases: int

    @property
    def days(self) -> int:
        """The median in whole days, rounded up: "meist innerhalb von 6 Tagen"
        stays true for a median of 5.2 days; under a day it is one day."""
        return max(1, -(-self.median // DAY))


@dataclass(frozen=True)
class Turnarounds:
    overall: Turnaround | None = None
    topics: dict[str, Turnaround] = field(default_factory=dict)
    # Topics with answered cases, but fewer than MIN_CASES: no figure of their own.
    too_few: dict[str, int] = field(default_factory=dict)

    def for_topic(self, topic: str) -> tuple[str | None, Turnaround] | None:
        """The topic's figure with its name, else the overall one with None,
        else None."""
        if topic in self.topics:
            return topic, self.topics[topic]
        if self.overall is not None:
            return None, self.overall
        return None


def is_reply(change: StatusChange) -> bool:
    """The same test as `_reply_conditions`, on a loaded history."""
    return change.changed_by != CITIZEN and bool(change.public_note)


def _reply_conditions():
    # change_status stores a blank note as NULL, so NOT NULL means words.
    return StatusChange.changed_by != CITIZEN, StatusChange.public_note.is_not(None)


def waiting_for_reply(suggestion: Suggestion) -> bool:
    """Open and not hidden, and no reply yet: the figure is news to its author."""
    return (
        suggestion.status not in CLOSED
        and suggestion.hidden_at is None
        and not any(is_reply(change) for change in suggestion.history)
    )


def _median(durations: list[timedelta]) -> Turnaround | None:
    if len(durations) < MIN_CASES:
        return None
    seconds = statistics.median(d.total_seconds() for d in durations)
    return Turnaround(timedelta(seconds=seconds), len(durations))


def compute(session: Session, *, now: datetime) -> Turnarounds:
    """The figures of the suggestions handed in within WINDOW before `now`.

    One query; it returns only answered cases (at most WINDOW of suggestions),
    the medians are taken here, the same way on SQLite and PostgreSQL."""
    first_reply = func.min(StatusChange.changed_at)
    rows = session.execute(
        select(Suggestion.topic, Suggestion.created_at, first_reply)
        .join(StatusChange, StatusChange.suggestion_id == Suggestion.id)
        .where(
            Suggestion.created_at >= now - WINDOW,
            Suggestion.created_at <= now,
            Suggestion.hidden_at.is_(None),
            *_reply_conditions(),
        )
        .group_by(Suggestion.id, Suggestion.topic, Suggestion.created_at)
    )
    per_topic: dict[str, list[timedelta]] = defaultdict(list)
    for topic, created_at, replied_at in rows:
        per_topic[topic].append(max(replied_at - created_at, timedelta(0)))
    topics = {topic: _median(durations) for topic, durations in per_topic.items()}
    return Turnarounds(
        overall=_median([d for durations in per_topic.values() for d in durations]),
        topics={topic: figure for topic, figure in topics.items() if figure},
        too_few={t: len(d) for t, d in per_topic.items() if topics[t] is None},
    )


# One entry per database in use: (time.monotonic() when computed, figures).
_computed: dict[str, tuple[float, Turnarounds]] = {}


def recent(session: Session, *, now: datetime) -> Turnarounds:
    """The figures, computed at most every FRESH_SECONDS per database (two
    threads at once may both compute them; the later result stays)."""
    where = str(session.get_bind().url)
    known = _computed.get(where)
    if known is not None and time.monotonic() - known[0] < FRESH_SECONDS:
        return known[1]
    figures = compute(session, now=now)
    _computed[where] = (time.monotonic(), figures)
    return figures


def overdue(
    session: Session,
    suggestions: Iterable[Suggestion],
    figures: Turnarounds,
    *,
    now: datetime,
) -> dict[int, Turnaround]:
    """Of `suggestions` (a page of the inbox), those still waiting for a reply
    longer than their topic's usual time (or the overall one), by id, with
    the figure they are past."""
    candidates = {}
    for suggestion in suggestions:
        found = figures.for_topic(suggestion.topic)
        if found is None or suggestion.status in CLOSED or suggestion.hidden_at:
            continue
        _topic, usual = found
        if now - suggestion.created_at > usual.days * DAY:
            candidates[suggestion.id] = usual
    if not candidates:
        return {}
    replied = set(
        session.scalars(
            select(StatusChange.suggestion_id)
            .where(StatusChange.suggestion_id.in_(candidates), *_reply_conditions())
            .distinct()
        )
    )
    return {id_: figure for id_, figure in candidates.items() if id_ not in replied}
