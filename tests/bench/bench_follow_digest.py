"""What the day's digest of what citizens follow costs (issue 36.2).

    python -m tests.bench.bench_follow_digest [--chats N] [--runs N] [--postgres] [--profile]

Seeds a fresh database (SQLite, or with --postgres a PostgreSQL database)
with N chats (default 10,000) that follow 1-3 topics, districts, projects or
published suggestions each (the topics and districts of the example content,
20 projects, 2,000 published suggestions), as after yesterday's digest; and
a day of news: 50 events added or changed (half of them placed in a
district), 30 suggestions published and 200 status changes by staff. Then it
measures the day's run as the web app makes it (one transaction: read the
follows and the news, word and queue the messages, claim the chats) and a
second run the same day, which finds every chat served. Figures: medians of
--runs runs in seconds, messages queued, items per message; also in
reports/bench/follow-digest[-postgres].json. --profile prints where one run's
time goes (cProfile). Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, update

from actions.db import digest
from actions.db.models import (
    Event,
    Follow,
    Notification,
    Project,
    StatusChange,
    Suggestion,
    utcnow,
)
from actions.db.session import get_engine, in_transaction, upgrade
from actions.db.suggestions import fingerprint, new_reference
from core.content import load_districts, load_topics
from tests.bench.bench_assistant import report
from tests.helpers import EXAMPLE_CONTENT, temporary_postgres_database

BERLIN = ZoneInfo("Europe/Berlin")
BOARD = "https://stadt.example"
BATCH = 2_000
PROJECTS = 20
PUBLISHED = 2_000  # on the board before today
EVENTS_CHANGED, PUBLISHED_TODAY, STATUS_CHANGES = 50, 30, 200
# What a chat follows: districts and topics most, single suggestions least.
KIND_WEIGHTS = {"district": 35, "topic": 30, "project": 20, "suggestion": 15}


def _insert(connection, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(table), rows[start : start + BATCH])


def seed(url: str, chats: int) -> dict[str, str]:
    """The follows as after yesterday's digest, and today's news; returns the
    district names the runner hands to the digest."""
    rng = random.Random(36)
    now = utcnow()
    today = lambda: now - timedelta(minutes=rng.randint(10, 23 * 60))  # noqa: E731
    topics = [t.name for t in load_topics(EXAMPLE_CONTENT)]
    districts = load_districts(EXAMPLE_CONTENT)
    places = [d.name for d in districts]
    projects = [f"Projekt {n}" for n in range(PROJECTS)]
    engine = get_engine(url)
    with engine.begin() as connection:
        # A fresh database: the ids are ours to give.
        _insert(connection, Project.__table__, [{
            "id": n + 1, "slug": f"projekt-{n}", "name": name, "aliases": [],
            "summary": "Ein Projekt.", "description": "", "topic": rng.choice(topics),
            "status": "in Umsetzung", "district": rng.choice(places), "updated_at": now,
            "source": "content",
        } for n, name in enumerate(projects)])  # fmt: skip
        suggestions = []
        for n in range(PUBLISHED + PUBLISHED_TODAY):
            text = f"Vorschlag {n} {uuid.uuid4().hex}"
            published = today() if n >= PUBLISHED else now - timedelta(days=30)
            suggestions.append({
                "id": n + 1, "reference": new_reference(), "form_run_id": uuid.uuid4().hex,
                "channel": "web", "sender_key": uuid.uuid4().hex, "text": text,
                "text_fingerprint": fingerprint(text), "topic": rng.choice(topics),
                "district": rng.choice(places), "status": "in_pruefung",
                "created_at": published - timedelta(days=3), "updated_at": published,
                "public_consent_at": published, "public_title": f"Idee Nummer {n}",
                "published_at": published,
            })  # fmt: skip
        _insert(connection, Suggestion.__table__, suggestions)
        _insert(connection, StatusChange.__table__, [{
            "suggestion_id": rng.randint(1, PUBLISHED), "changed_at": today(),
            "changed_by": "anna", "from_status": "in_pruefung",
            "to_status": "angenommen", "public_note": "Wir setzen das um.",
        } for _ in range(STATUS_CHANGES)])  # fmt: skip
        _insert(connection, Event.__table__, [{
            "source": "ics:bench", "uid": f"e{n}", "title": f"Termin {n}",
            "description": "", "starts_at": now + timedelta(days=rng.randint(1, 60)),
            "location": f"Bürgerhaus {rng.choice(places)}" if n % 2 else "Rathaus",
            "topic": rng.choice(topics), "updated_at": today() if n < EVENTS_CHANGED
            else now - timedelta(days=20),
            "project_id": rng.randint(1, PROJECTS) if n % 3 == 0 else None,
        } for n in range(EVENTS_CHANGED * 10)])  # fmt: skip
        references = [s["reference"] for s in suggestions[:PUBLISHED]]
        values = {"district": places, "topic": topics, "project": projects,
                  "suggestion": references}  # fmt: skip
        yesterday = now - timedelta(days=1)
        rows = []
        for chat in range(chats):
            kinds = rng.choices(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()),
                                k=rng.randint(1, 3))  # fmt: skip
            targets = {(kind, rng.choice(values[kind])) for kind in kinds}
            rows += [{
                "sender_key": f"{chat:064x}", "channel": "telegram",
                "recipient": f"telegram:{chat}", "kind": kind, "value": value,
                "language": rng.choice([None] * 8 + ["en", "leicht"]),
                "created_at": yesterday - timedelta(days=rng.randint(0, 90)),
                "news_since": yesterday, "digest_on": yesterday.astimezone(BERLIN).date(),
            } for kind, value in targets]  # fmt: skip
        _insert(connection, Follow.__table__, rows)
    engine.dispose()
    return {n.casefold(): d.name for d in districts for n in (d.name, *d.aliases)}


def yesterday_again(url: str) -> None:
    """Undo a run: the chats as after yesterday's digest, no message queued."""
    yesterday = utcnow() - timedelta(days=1)
    in_transaction(url, lambda s: (
        s.execute(update(Follow).values(news_since=yesterday,
                                        digest_on=yesterday.astimezone(BERLIN).date())),
        s.execute(delete(Notification)),
    ))  # fmt: skip


def daily_run(url: str, districts: dict[str, str]) -> digest.Report:
    now = utcnow()
    return in_transaction(url, lambda s: digest.run(
        s, today=now.astimezone(BERLIN).date(), now=now, tz=BERLIN,
        districts=districts, board_url=BOARD))  # fmt: skip


def timed(work) -> tuple[float, object]:
    began = time.perf_counter()
    result = work()
    return time.perf_counter() - began, result


@contextlib.contextmanager
def database(postgres: bool) -> Iterator[str]:
    if postgres:
        with temporary_postgres_database() as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'city.db'}"


def measure(url: str, chats: int, runs: int, profile: bool) -> dict:
    upgrade(url)
    began = time.perf_counter()
    districts = seed(url, chats)
    follows = in_transaction(url, lambda s: s.scalar(select(func.count(Follow.id))))
    print(
        f"seeded {chats} chats, {follows} follows in {time.perf_counter() - began:.1f} s"
    )
    firsts, seconds, report_ = [], [], None
    for _ in range(runs):
        yesterday_again(url)
        took, report_ = timed(lambda: daily_run(url, districts))
        firsts.append(took)
        seconds.append(timed(lambda: daily_run(url, districts))[0])
    if profile:
        yesterday_again(url)
        profiler = cProfile.Profile()
        profiler.runcall(daily_run, url, districts)
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(15)
        stats.sort_stats("cumulative").print_stats(25)
    return {
        "chats": chats,
        "follows": follows,
        "messages_queued": report_.sent,
        "items_per_message": round(report_.items / max(report_.sent, 1), 1),
        "daily_run_s": statistics.median(firsts),
        "same_day_again_s": statistics.median(seconds),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with database(args.postgres) as url:
        results = {
            "database": "postgresql" if args.postgres else "sqlite",
            **measure(url, args.chats, args.runs, args.profile),
        }
        get_engine(url).dispose()
    report(results, "follow-digest-postgres" if args.postgres else "follow-digest")


if __name__ == "__main__":
    main()
