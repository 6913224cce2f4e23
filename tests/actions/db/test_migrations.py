"""Migrations keep the data: upgrades from an older schema, on both databases."""

from __future__ import annotations

import logging
import time
from datetime import datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from actions.db.models import Event, utcnow
from actions.db.session import get_engine, in_transaction, upgrade
from core.logs import FORMAT, PrivateFormatter, PrivateJsonFormatter


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    return request.getfixturevalue("postgres_url")


def test_0005_moves_the_calendar_out_of_rasas_way_and_keeps_it(empty_url):
    upgrade(empty_url, "0004")
    stamp = datetime(2026, 12, 1, 12)
    with get_engine(empty_url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO projects (id, slug, name, aliases, summary, description, "
                "topic, status, updated_at) VALUES (7, 'p', 'P', '[]', 's', '', "
                "'Mobilität', 'geplant', :at)"
            ),
            {"at": stamp},
        )
        for id_, uid in ((3, "beirat-1"), (9, "staff-ab12")):
            connection.execute(
                text(
                    "INSERT INTO events (id, uid, title, description, starts_at, "
                    "project_id, updated_at) VALUES (:id, :uid, 'T', '', :at, 7, :at)"
                ),
                {"id": id_, "uid": uid, "at": stamp},
            )
    get_engine.cache_clear()
    upgrade(empty_url)
    with Session(get_engine(empty_url), future=True) as session, session.begin():
        rows = session.execute(
            select(Event.id, Event.uid, Event.source, Event.project_id).order_by(
                Event.id
            )
        ).all()
        assert rows == [(3, "beirat-1", "content", 7), (9, "staff-ab12", "staff", 7)]
        added = Event(uid="neu", source="content", title="N", starts_at=utcnow())
        session.add(added)
        session.flush()
        assert added.id > 9  # PostgreSQL's id sequence continues after the copy
        tables = set(
            session.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type='table'"
                    if empty_url.startswith("sqlite")
                    else "SELECT tablename FROM pg_tables WHERE schemaname='public'"
                )
            ).scalars()
        )
    assert "events" not in tables and "calendar_events" in tables


def test_sqlite_files_and_their_folder_are_private(tmp_path):
    """Issue 13: database files and var/ get 0600/0700, like the key files;
    a folder that exists already (it may be /tmp) keeps its mode."""
    import stat

    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    upgrade(f"sqlite:///{shared / 'x.db'}")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE((shared / "x.db").stat().st_mode) == 0o600
    folder = tmp_path / "var"
    url = f"sqlite:///{folder / 'smartcity.db'}"
    upgrade(url)
    with get_engine(url).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_database_errors_do_not_quote_the_values(database_url):
    """Issue 13: engines logged bound parameters (ideas, e-mails) in errors."""
    from sqlalchemy.exc import IntegrityError

    from actions.db.models import Project

    secret = "geheime-idee@example.org"

    def twice(session):
        for _ in range(2):
            session.add(Project(slug=secret, name=secret, summary=secret,
                                topic="x", status="x", aliases=[]))  # fmt: skip
            session.flush()

    with pytest.raises(IntegrityError) as raised:
        in_transaction(database_url, twice)
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(raised.value)
    # PostgreSQL's DETAIL may still quote the row; both log formats drop it.
    for formatter in (PrivateFormatter(FORMAT), PrivateJsonFormatter("actions")):
        record = logging.LogRecord("t", logging.ERROR, "", 0, "failed", None,
                                   (type(raised.value), raised.value, None))  # fmt: skip
        assert secret not in formatter.format(record)


def test_sqlite_readers_do_not_wait_for_a_writer(tmp_path):
    """Issue 13: every transaction, reads included, took the write lock."""
    import threading

    url = f"sqlite:///{tmp_path / 'lock.db'}"
    upgrade(url)
    writing, done = threading.Event(), threading.Event()

    def long_write(session):
        session.execute(text("UPDATE projects SET name = name"))
        writing.set()
        done.wait(timeout=30)

    writer = threading.Thread(target=in_transaction, args=(url, long_write))
    writer.start()
    try:
        assert writing.wait(timeout=10)
        began = time.monotonic()
        in_transaction(url, lambda s: s.execute(text("SELECT 1")).all(), read_only=True)
        assert time.monotonic() - began < 5  # a writer would wait up to 30 s
    finally:
        done.set()
        writer.join()


def test_the_migrations_build_exactly_the_models_schema(empty_url):
    """A model changed without a migration (or the reverse) fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from actions.db.models import Base

    upgrade(empty_url)
    with get_engine(empty_url).connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
