"""Benchmark of `smartcity backup` and `smartcity restore` on 10,000 suggestions.

    python -m tests.bench.bench_backup [--suggestions N] [--runs N] [--postgres]

Seeds fresh databases (SQLite, or with --postgres one PostgreSQL database for
the city and Rasa) as a city has them after a year or two: N suggestions of
made-up German words, one in ten with a small photo (a 320x240 JPEG of some
25 KB, each one stored; real ones are larger), supports, status changes with
notifications, and Rasa's conversations (ten events per suggestion, with the
JSON Rasa stores). Then it measures, in the same process the CLI uses:
`backup` (copy, compress, write), the same encrypted for an age key, and
`restore` into wiped databases (unpack, check, load, verify rows, migrate,
apply the journal). Figures: the median of --runs runs in seconds, the
file's size in MB and the databases' size; also in reports/bench/backup.json.
Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pyrage
from PIL import Image
from sqlalchemy import insert, text

from actions.db.backup.make import make_backup
from actions.db.backup.restore import restore
from actions.db.backup.stores import configured
from actions.db.models import (
    Notification,
    Photo,
    StatusChange,
    Suggestion,
    Support,
    utcnow,
)
from actions.db.session import get_engine, upgrade
from actions.db.suggestions import fingerprint, new_reference
from core.settings import Settings
from tests.bench.bench_assistant import report
from tests.e2e.review_volume import EVENTS, vocabulary
from tests.helpers import temporary_postgres_database

BATCH = 2_000
PHOTO_SHARE = 10  # one suggestion in ten has a photo
EVENTS_PER_SUGGESTION = 10


def photos(rng: random.Random, count: int = 8) -> list[bytes]:
    """JPEGs of noise over a gradient: they compress like photos, i.e. hardly."""
    made = []
    for _ in range(count):
        image = Image.new("RGB", (320, 240))
        image.putdata([(x % 256, (x // 320) % 256, rng.randrange(256))
                       for x in range(320 * 240)])  # fmt: skip
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
        made.append(out.getvalue())
    return made


def _insert(connection, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(table), rows[start : start + BATCH])


def seed(settings: Settings, count: int) -> dict:
    rng = random.Random(35)
    words = vocabulary()
    pictures = photos(rng)
    now = utcnow()
    senders = [uuid.uuid4().hex for _ in range(count)]
    texts = [" ".join(rng.choices(words, k=rng.randint(12, 60))) for _ in range(count)]
    engine = get_engine(settings.database_url)
    with engine.begin() as connection:
        # A fresh database: the ids are ours to give.
        ids = list(range(1, count + 1))
        _insert(connection, Suggestion.__table__, [{
            "id": ids[n], "reference": new_reference(), "form_run_id": uuid.uuid4().hex,
            "channel": "web", "sender_key": uuid.uuid4().hex + uuid.uuid4().hex,
            "text": words_, "text_fingerprint": fingerprint(words_),
            "topic": "Mobilität", "location": f"Straße {n % 300}",
            "status": "in_pruefung", "reply_to": f"web:{senders[n]}",
            "created_at": now - timedelta(minutes=n), "updated_at": now,
        } for n, words_ in enumerate(texts)])  # fmt: skip
        _insert(connection, StatusChange.__table__, [{
            "suggestion_id": id_, "changed_at": now, "changed_by": by,
            "from_status": before, "to_status": after,
            "public_note": "Wir prüfen Ihren Vorschlag." if by != "buerger" else None,
        } for id_ in ids for by, before, after in (
            ("buerger", None, "eingegangen"), ("anna", "eingegangen", "in_pruefung"))])  # fmt: skip
        _insert(connection, Notification.__table__, [{
            "suggestion_id": id_, "channel": "web", "recipient": f"web:{senders[n]}",
            "text": "Ihr Vorschlag wird geprüft.", "created_at": now, "sent_at": now,
            "attempts": 1,
        } for n, id_ in enumerate(ids)])  # fmt: skip
        _insert(connection, Photo.__table__, [{
            "suggestion_id": id_, "sender_key": "p" * 64, "media_type": "image/jpeg",
            "content": pictures[n % len(pictures)], "width": 320, "height": 240,
            "created_at": now,
        } for n, id_ in enumerate(ids) if n % PHOTO_SHARE == 0])  # fmt: skip
        _insert(connection, Support.__table__, [{
            "suggestion_id": id_, "sender_key": uuid.uuid4().hex, "channel": "web",
            "created_at": now,
        } for id_ in ids for _ in range(rng.randint(0, 3))])  # fmt: skip
    tracker = get_engine(settings.tracker_store_url)
    EVENTS.metadata.create_all(tracker, tables=[EVENTS])
    start = now.timestamp() - count * 60
    with tracker.begin() as connection:
        for first in range(0, count, BATCH // EVENTS_PER_SUGGESTION):
            rows = [{
                "sender_id": f"web:{senders[n]}", "type_name": "user",
                "timestamp": start + n * 60 + e, "intent_name": "share_idea",
                "action_name": None, "data": json.dumps({
                    "event": "user", "text": texts[n][:120], "timestamp": start,
                    "parse_data": {"intent": {"name": "share_idea",
                                              "confidence": 0.93}}}),
            } for n in range(first, min(count, first + BATCH // EVENTS_PER_SUGGESTION))
              for e in range(EVENTS_PER_SUGGESTION)]  # fmt: skip
            connection.execute(insert(EVENTS), rows)
    engine.dispose()
    tracker.dispose()
    return {
        "photos": (count + PHOTO_SHARE - 1) // PHOTO_SHARE,
        "photo_kb": round(statistics.mean(map(len, pictures)) / 1024, 1),
        "events": count * EVENTS_PER_SUGGESTION,
    }


def database_mb(settings: Settings) -> float:
    total = 0
    for store in configured(settings)[0]:
        if store.kind == "sqlite":
            total += Path(store.url.removeprefix("sqlite:///")).stat().st_size
        else:
            with get_engine(store.url).connect() as connection:
                total += connection.scalar(
                    text("SELECT pg_database_size(current_database())")
                )
            get_engine(store.url).dispose()
    return total / 1e6


def wipe(settings: Settings) -> None:
    for store in configured(settings)[0]:
        get_engine(store.url).dispose()
        if store.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(store.url.removeprefix("sqlite:///") + suffix).unlink(
                    missing_ok=True
                )
        else:
            with get_engine(store.url).begin() as connection:
                connection.execute(
                    text("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
                )
            get_engine(store.url).dispose()


def timed(work) -> tuple[float, object]:
    began = time.perf_counter()
    result = work()
    return time.perf_counter() - began, result


@contextlib.contextmanager
def environment(folder: Path, postgres: bool) -> Iterator[dict[str, str]]:
    (folder / "var").mkdir(mode=0o700)
    if not postgres:
        yield {"DATABASE_URL": f"sqlite:///{folder / 'city.db'}",
               "TRACKER_STORE_URL": f"sqlite:///{folder / 'var' / 'tracker.db'}"}  # fmt: skip
        return
    with temporary_postgres_database() as url:
        yield {"DATABASE_URL": url, "TRACKER_STORE_URL": url}


def measure(folder: Path, env: dict[str, str], count: int, runs: int) -> dict:
    key = pyrage.x25519.Identity.generate()
    (folder / "age.key").write_text(f"{key}\n")
    plain = Settings.from_env({**env, "SMARTCITY_VAR_DIR": str(folder / "var")})
    sealed = Settings.from_env({**env, "SMARTCITY_VAR_DIR": str(folder / "var"),
                                "BACKUP_RECIPIENT": str(key.to_public())})  # fmt: skip
    upgrade(plain.database_url)
    began = time.perf_counter()
    results = {"suggestions": count, **seed(plain, count)}
    print(f"seeded {count} suggestions in {time.perf_counter() - began:.1f} s")
    results["databases_mb"] = round(database_mb(plain), 1)
    backups, encrypted, restores = [], [], []
    made = None
    for run in range(runs):
        seconds, made = timed(lambda run=run: make_backup(
            plain, str(folder / f"backup-{run}.tar.gz"), None))  # fmt: skip
        backups.append(seconds)
        encrypted.append(timed(lambda run=run: make_backup(
            sealed, str(folder / f"backup-{run}.tar.gz.age"), None))[0])  # fmt: skip
    for _ in range(runs):
        wipe(plain)
        restores.append(timed(lambda: restore(plain, made.path))[0])
    results.update(
        backup_s=statistics.median(backups),
        backup_encrypted_s=statistics.median(encrypted),
        restore_s=statistics.median(restores),
        file_mb=round(made.bytes / 1e6, 1),
        encrypted_file_mb=round(
            (folder / "backup-0.tar.gz.age").stat().st_size / 1e6, 1
        ),
        runs=runs,
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suggestions", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with environment(folder, args.postgres) as env:
            results = {
                "database": "postgresql" if args.postgres else "sqlite",
                **measure(folder, env, args.suggestions, args.runs),
            }
    report(results, "backup-postgres" if args.postgres else "backup")


if __name__ == "__main__":
    main()
