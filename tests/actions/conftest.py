"""Fixtures of the data-layer tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from actions.db.session import get_engine
from actions.sdk.event_actions import ActionListEvents
from tests.helpers import berlin


@pytest.fixture
def session(database_url):
    # Objects stay readable between the test's transactions.
    with Session(
        get_engine(database_url), future=True, expire_on_commit=False
    ) as session:
        yield session


@pytest.fixture
def clock(monkeypatch, today):
    """Freeze the event list's clock at 08:00 on the import day (Europe/Berlin),
    so the example events are upcoming whatever today's date is."""
    now = berlin(today.year, today.month, today.day, 8, 0)
    monkeypatch.setattr(ActionListEvents, "now", staticmethod(lambda: now))
    return now
