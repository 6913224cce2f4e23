"""The staff inbox: filtering, full-text search, sorting and paging suggestions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import String, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from actions.db import supports, turnaround
from actions.db.models import Suggestion
from actions.db.suggestions import STATUS_LABELS

PAGE_SIZE = 25
MAX_QUERY_LENGTH = 200
SUPPORTERS = supports.count_column()
SORTS = {
    "neu": ("Neueste zuerst", (Suggestion.created_at.desc(), Suggestion.id.desc())),
    "alt": ("Älteste zuerst", (Suggestion.created_at.asc(), Suggestion.id.asc())),
    "status": ("Status", (Suggestion.status, Suggestion.created_at.desc())),
    "thema": ("Thema", (Suggestion.topic, Suggestion.created_at.desc())),
    "unterstuetzt": (
        "Meiste Unterstützung",
        (SUPPORTERS.desc(), Suggestion.created_at.desc()),
    ),
}


EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


def _date(raw: str, label: str, problems: list[str]) -> date | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        problems.append(f"„{label}“ ist kein gültiges Datum und wurde ignoriert.")
        return None
    # 0001-01-01 and 9999-12-31 overflow when turned into UTC or the next day.
    if not EARLIEST <= day <= LATEST:
        problems.append(
            f"„{label}“ muss zwischen {EARLIEST:%Y} und {LATEST:%Y} liegen und "
            "wurde ignoriert."
        )
        return None
    return day


@dataclass(frozen=True)
class InboxFilter:
    status: str = ""
    topic: str = ""
    channel: str = ""
    date_from: date | None = None
    date_to: date | None = None
    query: str = ""
    sort: str = "neu"
    page: int = 1
    show_hidden: bool = False
    problems: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> InboxFilter:
        """Read the filter from a query string; bad values are dropped and named."""
        problems: list[str] = []
        status = params.get("status", "").strip()
        if status and status not in STATUS_LABELS:
            problems.append("Unbekannter Status wurde ignoriert.")
            status = ""
        sort = params.get("sort", "neu")
        if sort not in SORTS:
            sort = "neu"
        try:
            page = max(1, min(int(params.get("seite", "1")), 100_000))
        except ValueError:
            page = 1
        date_from = _date(params.get("von", "").strip(), "von", problems)
        date_to = _date(params.get("bis", "").strip(), "bis", problems)
        if date_from and date_to and date_from > date_to:
            problems.append("„von“ liegt nach „bis“; die Daten wurden getauscht.")
            date_from, date_to = date_to, date_from
        return cls(
            status=status,
            topic=params.get("thema", "").strip()[:80],
            channel=params.get("kanal", "").strip()[:40],
            date_from=date_from,
            date_to=date_to,
            query=" ".join(params.get("q", "").split())[:MAX_QUERY_LENGTH],
            sort=sort,
            page=page,
            show_hidden=params.get("spam") == "1",
            problems=tuple(problems),
        )

    def to_query(self, **changes) -> str:
        """The query string of this filter, with changes, for links and the export."""
        current = replace(self, **changes)
        params = {
            "status": current.status,
            "thema": current.topic,
            "kanal": current.channel,
            "von": current.date_from.isoformat() if current.date_from else "",
            "bis": current.date_to.isoformat() if current.date_to else "",
            "q": current.query,
            "sort": current.sort if current.sort != "neu" else "",
            "seite": str(current.page) if current.page > 1 else "",
            "spam": "1" if current.show_hidden else "",
        }
        return urlencode({k: v for k, v in params.items() if v})

    def apply(self, statement: Select, tz: ZoneInfo, *, with_status: bool = True):
        """The statement narrowed to this filter (dates are local calendar days)."""
        if with_status and self.status:
            statement = statement.where(Suggestion.status == self.status)
        if self.topic:
            statement = statement.where(Suggestion.topic == self.topic)
        if self.channel:
            statement = statement.where(Suggestion.channel == self.channel)
        if self.date_from:
            start = datetime.combine(self.date_from, time.min, tz)
            statement = statement.where(Suggestion.created_at >= start)
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time.min, tz)
            statement = statement.where(Suggestion.created_at < end)
        if not self.show_hidden:
            statement = statement.where(Suggestion.hidden_at.is_(None))
        for term in self.query.split():
            needle = term.lower()
            statement = statement.where(
                func.lower(Suggestion.text, type_=String).contains(
                    needle, autoescape=True
                )
                | func.lower(
                    func.coalesce(Suggestion.location, ""), type_=String
                ).contains(needle, autoescape=True)
                | func.lower(Suggestion.reference, type_=String).contains(
                    needle, autoescape=True
                )
            )
        return statement


@dataclass
class InboxPage:
    suggestions: list[Suggestion]
    total: int
    pages: int
    counts: dict[str, int]
    topics: list[str]
    channels: list[str]
    supporters: dict[int, int]
    # Waiting for a reply longer than usual, by id (actions.db.turnaround).
    overdue: dict[int, turnaround.Turnaround]


def search(
    session: Session, wanted: InboxFilter, tz: ZoneInfo, *, now: datetime
) -> InboxPage:
    total = session.scalar(wanted.apply(select(func.count(Suggestion.id)), tz))
    pages = max(1, -(-total // PAGE_SIZE))
    rows = list(
        session.scalars(
            wanted.apply(select(Suggestion), tz)
            .order_by(*SORTS[wanted.sort][1])
            .offset((min(wanted.page, pages) - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    # Counts per status under every other filter, so each number is a click away.
    counts = dict(
        session.execute(
            wanted.apply(
                select(Suggestion.status, func.count(Suggestion.id)),
                tz,
                with_status=False,
            ).group_by(Suggestion.status)
        ).all()
    )
    topics = session.scalars(
        select(Suggestion.topic).distinct().order_by(Suggestion.topic)
    )
    channels = session.scalars(
        select(Suggestion.channel).distinct().order_by(Suggestion.channel)
    )
    figures = turnaround.recent(session, now=now)
    return InboxPage(rows, total, pages, counts, list(topics), list(channels),
                     supports.counts(session, [s.id for s in rows]),
                     turnaround.overdue(session, rows, figures, now=now))  # fmt: skip


def matching(session: Session, wanted: InboxFilter, tz: ZoneInfo) -> list[Suggestion]:
    """Every suggestion under the filter, for the export (no paging)."""
    return list(
        session.scalars(
            wanted.apply(select(Suggestion), tz).order_by(*SORTS[wanted.sort][1])
        )
    )
