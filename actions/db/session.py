"""Engine creation and schema migration; sessions are opened by callers."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.future import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from core import metrics
from core.files import private_dir, private_file

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _configure_sqlite(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not pysqlite, issue BEGIN, so SAVEPOINTs work (SQLAlchemy's recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted personal data is overwritten
    cursor.close()
    # SQLite's lower() folds only ASCII; searching "über" must also find "Über".
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


READ_ONLY = "smartcity_read_only"


def _begin(connection) -> None:
    # A writer takes the write lock up front: concurrent writers then wait on
    # busy_timeout instead of failing when a read lock cannot be upgraded.
    # Readers must not queue behind writers, so they begin a plain transaction.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """One pooled engine per URL and process.

    hide_parameters: an error message must not quote an idea or an e-mail.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            future=True,
            hide_parameters=True,
            # SQLAlchemy 1.4 would open a connection per session and close the
            # last one with a WAL checkpoint; a pool keeps them (2.0's default).
            poolclass=QueuePool,
            connect_args={"timeout": 30, "check_same_thread": False},
        )
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin)
        return engine
    return create_engine(
        url, future=True, pool_pre_ping=True, pool_size=10, hide_parameters=True
    )


def in_transaction(
    url: str,
    work: Callable[[Session], T],
    *,
    expire_on_commit: bool = True,
    read_only: bool = False,
) -> T:
    """Run `work` in one committed transaction; blocking, so call it in a thread.

    With expire_on_commit=False the loaded objects stay readable afterwards,
    e.g. for rendering a page from them. read_only=True lets SQLite readers
    run beside a writer (it has effect on SQLite only).
    """
    engine = get_engine(url)
    if read_only:
        engine = engine.execution_options(**{READ_ONLY: True})
    with metrics.timed(metrics.database_seconds), Session(
        engine, future=True, expire_on_commit=expire_on_commit
    ) as session, session.begin():
        return work(session)


def take_turns(session: Session, name: str) -> None:
    """Writers that name the same `name` take turns until their transaction
    ends, so a count and the insert it allows are one step (budgets, limits).
    SQLite's writers take turns anyway (BEGIN IMMEDIATE); PostgreSQL takes a
    transaction-scoped advisory lock."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(name.encode()).digest()[:8]
    key = int.from_bytes(digest, "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


class Database:
    """The project database as one process uses it: one pooled engine, and
    each piece of work in its own committed transaction off the event loop.

    Built once per process (bot.shared.services, actions.sdk.base) and handed
    to whoever needs it, so no component opens a database of its own.
    """

    def __init__(self, url: str) -> None:
        self.url = url

    @property
    def engine(self) -> Engine:
        return get_engine(self.url)

    async def run(
        self,
        work: Callable[[Session], T],
        *,
        read_only: bool = False,
        expire_on_commit: bool = True,
    ) -> T:
        """`work` in one committed transaction in a worker thread, so the
        event loop keeps serving; see `in_transaction` for the options."""
        return await asyncio.to_thread(
            in_transaction,
            self.url,
            work,
            expire_on_commit=expire_on_commit,
            read_only=read_only,
        )


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats % as interpolation; URLs may contain escaped characters.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema to the newest migration, creating a SQLite file's folder."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        private_dir(Path(parsed.database).parent)
    command.upgrade(alembic_config(url), revision)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        private_file(Path(parsed.database))
