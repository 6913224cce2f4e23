"""The daily digest of what citizens follow (issue 36.2): one message a day
at most per chat, with what is new since the last one.

News is: an upcoming event added or changed (of the topic, of the project, or
whose place names the district), a suggestion published (of the topic or the
district), and a reply or status change staff made on a published suggestion
(the followed one, or one of the topic or district). Each item comes once
even when several follows match it.

The work is set-based, so that 10,000 followers cost seconds, not a query
each: the follows and the news since the oldest `news_since` (at most
LOOKBACK) are read once, matched in memory, and the chats are marked done
(follows.mark_done) in the transaction that queues their messages. Runs take
turns, so two web apps never send one twice; a chat without news is done for
the day as well, so that later runs that day read only new follows.

News of the last SETTLE waits for the next digest: a transaction that began
before the run (an import of a long feed) may commit after it, and what it
wrote would otherwise fall between two digests.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from actions.db import follows
from actions.db import responses as answers
from actions.db.board import public
from actions.db.models import (
    Event,
    Notification,
    Project,
    StatusChange,
    Suggestion,
    utcnow,
)
from actions.db.session import take_turns
from actions.db.suggestions import CITIZEN
from core.responses import STANDARD
from core.wording import Wording

LOOKBACK = timedelta(days=7)  # news older than a week is no news
SETTLE = timedelta(minutes=5)
MAX_ITEMS = 8  # a message to read on a phone; the rest is on the board


@dataclass(frozen=True)
class Item:
    kind: str  # "event", "published" or "status"
    key: str  # one item once: its row
    sort: datetime
    values: dict = field(hash=False, compare=False)
    topic: str | None = None
    district: str | None = None
    project: str | None = None
    reference: str | None = None


@dataclass
class Report:
    chats: int = 0  # chats with follows that were due
    sent: int = 0  # digests queued
    items: int = 0


def district_pattern(names: Iterable[str]) -> re.Pattern:
    """The names as whole words: "Innenstadt" is not "Innenstadt-West"."""
    alternatives = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({alternatives})(?![\w-])", re.IGNORECASE)


def _news(
    session: Session,
    since: datetime,
    until: datetime,
    districts: dict[str, str],
) -> list[Item]:
    items: list[Item] = []
    projects = dict(session.execute(select(Project.id, Project.name)).all())
    where_is = district_pattern(districts) if districts else None
    for event in session.scalars(
        select(Event).where(
            Event.updated_at > since,
            Event.updated_at <= until,
            Event.starts_at > until,
        )
    ):
        found = where_is and where_is.search(f"{event.location or ''} {event.title}")
        items.append(Item(
            "event", f"e{event.id}", event.updated_at,
            {"title": event.title, "title_en": event.title_en,
             "starts_at": event.starts_at, "place": event.location},
            topic=event.topic, project=projects.get(event.project_id),
            district=districts.get(found.group(1).casefold()) if found else None,
        ))  # fmt: skip
    for s in session.scalars(
        select(Suggestion).where(
            Suggestion.published_at > since, Suggestion.published_at <= until, *public()
        )
    ):
        items.append(Item("published", f"p{s.id}", s.published_at,
                          {"title": s.public_title or s.reference,
                           "reference": s.reference},
                          topic=s.topic, district=s.district,
                          reference=s.reference))  # fmt: skip
    changes = session.execute(
        select(StatusChange.changed_at, Suggestion)
        .join(Suggestion, StatusChange.suggestion_id == Suggestion.id)
        .where(
            StatusChange.changed_at > since,
            StatusChange.changed_at <= until,
            StatusChange.changed_by != CITIZEN,
            # Before publication it was nobody's news; the publication is.
            StatusChange.changed_at >= Suggestion.published_at,
            *public(),
        )
    ).all()
    for changed_at, s in changes:
        items.append(Item("status", f"s{s.id}", changed_at,
                          {"title": s.public_title or s.reference,
                           "reference": s.reference, "status": s.status},
                          topic=s.topic, district=s.district,
                          reference=s.reference))  # fmt: skip
    return items


def _by_target(items: list[Item]) -> dict[tuple[str, str], list[Item]]:
    """Each item under every (kind, value) whose followers it concerns; a
    followed suggestion's news are what staff did with it, not that it was
    published (it had to be, to be followed)."""
    found: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in items:
        reference = item.reference if item.kind == "status" else None
        for kind, value in (("topic", item.topic), ("district", item.district),
                            ("project", item.project),
                            ("suggestion", reference)):  # fmt: skip
            if value:
                found[(kind, value)].append(item)
    return found


def run(
    session: Session,
    *,
    today: date,
    now: datetime | None = None,
    tz: ZoneInfo,
    districts: dict[str, str] | None = None,
    board_url: str = "",
) -> Report:
    """Queue today's digest for every chat not done today that has news
    up to SETTLE before `now`; every chat read is done for today.

    `districts`: each district name and alias (casefolded) to its name.
    """
    now = now or utcnow()
    until = now - SETTLE
    report = Report()
    # Two web apps at 17:00: the second waits here, then finds the chats done.
    take_turns(session, "follow-digest")
    due: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for follow in follows.due(session, today):
        due[(follow.channel, follow.recipient)].append(follow)
    report.chats = len(due)
    if not due:
        return report
    oldest = min(f.news_since for chat in due.values() for f in chat)
    by_target = _by_target(
        _news(session, max(oldest, until - LOOKBACK), until, districts or {})
    )
    edits = answers.edited(session)
    lines: dict[tuple[str, str], str] = {}  # one item reads alike in every chat
    queued: list[dict] = []
    for (channel, recipient), chat in due.items():
        found: dict[str, Item] = {}
        for follow in chat:
            for item in by_target.get((follow.kind, follow.value), ()):
                if item.sort > follow.news_since:  # else told, or before the follow
                    found.setdefault(item.key, item)
        if not found:
            continue
        # The language of the latest follow: the chat's language now.
        latest = max(chat, key=lambda f: (f.created_at, f.id))
        say = Wording(latest.language or STANDARD, edits)
        text = message(say, sorted(found.values(), key=lambda i: i.sort),
                       tz=tz, board_url=board_url, lines=lines)  # fmt: skip
        queued.append({"channel": channel, "recipient": recipient, "text": text,
                       "created_at": now, "attempts": 0})  # fmt: skip
        report.sent += 1
        report.items += len(found)
    done = [follow.id for chat in due.values() for follow in chat]
    follows.mark_done(session, done, day=today, until=until)
    for start in range(0, len(queued), follows.CHUNK):
        session.execute(insert(Notification), queued[start : start + follows.CHUNK])
    return report


def message(
    say: Wording,
    items: list[Item],
    *,
    tz: ZoneInfo,
    board_url: str,
    lines: dict[tuple[str, str], str] | None = None,
) -> str:
    """The digest as the citizen reads it, the newest last. `lines`: the
    items' lines already worded, by language and item."""
    lines = {} if lines is None else lines
    shown = []
    for item in items[:MAX_ITEMS]:
        key = (say.variant, item.key)
        if key not in lines:
            lines[key] = _line(say, item, tz=tz, board_url=board_url)
        shown.append(lines[key])
    more = len(items) - MAX_ITEMS
    return say(
        "tpl_digest",
        list="\n".join(shown),
        more=say("tpl_digest_more", count=more, board=f"{board_url}/vorschlaege")
        if more > 0
        else None,
    )


def _line(say: Wording, item: Item, *, tz: ZoneInfo, board_url: str) -> str:
    values = item.values
    if item.kind == "event":
        return say(
            "tpl_digest_event",
            title=say.text(values["title"], values["title_en"]),
            when=say.span(values["starts_at"], None, tz),
            place=values["place"] or None,
        )
    link = f"{board_url}/vorschlaege/{values['reference']}"
    if item.kind == "published":
        return say("tpl_digest_published", title=values["title"], link=link)
    return say(
        "tpl_digest_status",
        title=values["title"],
        status=say.state(values["status"]),
        link=link,
    )
