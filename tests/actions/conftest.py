"""Fixtures of the data-layer tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from actions.db.session import get_engine


@pytest.fixture
def session(database_url):
    # Objects stay readable between the test's transactions.
    with Session(
        get_engine(database_url), future=True, expire_on_commit=False
    ) as session:
        yield session
