"""Shared fixtures: databases on SQLite and PostgreSQL, settings, trackers."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from actions.db.content import import_content
from actions.db.session import get_engine, upgrade
from core.content import Content, load_content
from core.settings import get_settings
from tests.helpers import EXAMPLE_CONTENT, temporary_postgres_database


@pytest.fixture(autouse=True, scope="session")
def _timedelta_durations() -> Iterator[None]:
    """As bot.server.main opts in for the process (python-telegram-bot 22)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PTB_TIMEDELTA", "1")
        yield


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A migrated SQLite file to copy: migrating per test took most of its time."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    get_engine(url).dispose()  # closing checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    """The name of a migrated PostgreSQL database that tests copy (TEMPLATE)."""
    with temporary_postgres_database() as url:
        upgrade(url)
        get_engine(url).dispose()  # a template must have no connections
        yield make_url(url).database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty, migrated database: each test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        path.chmod(0o600)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("migrated_postgres")
    with temporary_postgres_database(template) as url:
        yield url


@pytest.fixture
def example_content() -> Content:
    return load_content(EXAMPLE_CONTENT)


@pytest.fixture
def today() -> date:
    """The fixed import day of the example content in tests."""
    return date(2026, 11, 26)


@pytest.fixture
def settings_env(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path
) -> Iterator[None]:
    """Point the process settings at the test database (and a deletion
    journal of the test's own)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DELETION_JOURNAL", str(tmp_path / "deletions.jsonl"))
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
        after: str | None = None,
        active_loop: str | None = None,
    ) -> Tracker:
        """`after`: the bot's action the message answers; `active_loop`: a form."""
        message = {
            "text": text,
            "intent": {"name": intent, "confidence": 1.0},
            "entities": entities or [],
        }
        earlier = [{"event": "action", "name": after}] if after else []
        return Tracker(
            sender_id=sender_id,
            slots=slots or {},
            latest_message=message,
            events=[
                *earlier,
                {"event": "action", "name": "action_listen"},
                {"event": "user", "text": text, "parse_data": message},
            ],
            paused=False,
            followup_action=None,
            active_loop={"name": active_loop} if active_loop else {},
            latest_action_name="action_listen",
        )

    return build
