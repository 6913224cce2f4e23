"""Shared fixtures: databases on SQLite and PostgreSQL, settings, trackers."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.future import create_engine
from sqlalchemy.orm import Session

from actions.db.content import Content, import_content, load_content
from actions.db.session import get_engine, upgrade
from bot.settings import PROJECT_ROOT, get_settings

EXAMPLE_CONTENT = PROJECT_ROOT / "data" / "content"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def _postgres_or_skip() -> Engine:
    admin = create_engine(POSTGRES_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        admin.dispose()
        message = f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error.orig}"
        if services_required():
            pytest.fail(f"REQUIRE_SERVICES=1 but {message}")
        pytest.skip(message)
    return admin


@contextmanager
def temporary_postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    admin = _postgres_or_skip()
    name = f"smartcity_test_{secrets.token_hex(6)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = (
        make_url(POSTGRES_ADMIN_URL)
        .set(database=name)
        .render_as_string(hide_password=False)
    )
    try:
        yield url
    finally:
        get_engine(url).dispose()
        get_engine.cache_clear()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
# Databases 0-9 stay for people; a test takes a free one of these and empties it.
REDIS_TEST_DBS = range(10, 16)


@contextmanager
def temporary_redis_url() -> Iterator[str]:
    """An empty Redis database of its own, emptied again afterwards."""
    import redis

    for number in REDIS_TEST_DBS:
        url = f"{REDIS_URL}/{number}"
        client = redis.Redis.from_url(url)
        try:
            # A key of our own marks the database as taken by this test run.
            if client.dbsize() == 0 and client.set("smartcity:test:taken", 1, nx=True):
                break
        except redis.exceptions.ConnectionError as error:
            message = f"Redis not reachable at {REDIS_URL}: {error}"
            if services_required():
                pytest.fail(f"REQUIRE_SERVICES=1 but {message}")
            pytest.skip(message)
        client.close()
    else:
        pytest.fail(f"no empty Redis database among {list(REDIS_TEST_DBS)}")
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty, migrated database: each test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    upgrade(url)
    return url


@pytest.fixture
def example_content() -> Content:
    return load_content(EXAMPLE_CONTENT)


@pytest.fixture
def today() -> date:
    """The fixed import day of the example content in tests."""
    return date(2026, 11, 26)


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    """Point the process settings at the test database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def seeded(
    settings_env, database_url: str, example_content: Content, today: date
) -> Engine:
    """The test database with the example content imported on `today`."""
    engine = get_engine(database_url)
    with Session(engine, future=True) as session, session.begin():
        import_content(session, example_content, today=today, tz=get_settings().tz)
    return engine


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def make_tracker() -> Callable[..., Tracker]:
    """Build a tracker whose latest message has the given intent and entities."""

    def build(
        text: str = "",
        intent: str = "",
        entities: list[dict[str, Any]] | None = None,
        slots: dict[str, Any] | None = None,
        sender_id: str = "test-user",
    ) -> Tracker:
        message = {
            "text": text,
            "intent": {"name": intent, "confidence": 1.0},
            "entities": entities or [],
        }
        return Tracker(
            sender_id=sender_id,
            slots=slots or {},
            latest_message=message,
            events=[{"event": "user", "text": text, "parse_data": message}],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )

    return build
