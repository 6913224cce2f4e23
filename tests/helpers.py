"""Helpers that tests import: builders, service databases of their own, example content.

Fixtures stay in the conftest.py files; plain functions and constants live
here, so that a test module imports them from a module, not from a conftest.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
import yaml
from rasa.core.nlg.interpolator import interpolate_text
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.future import create_engine

from actions.db.session import get_engine
from core.protocol import is_rating
from core.settings import PROJECT_ROOT, get_settings

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
def temporary_postgres_database(template: str | None = None) -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards; a copy of `template`
    (a database name) if given."""
    admin = _postgres_or_skip()
    name = f"smartcity_test_{secrets.token_hex(6)}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
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


def entity(name: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {"entity": name, "value": value, **extra}


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=get_settings().tz)


@functools.lru_cache(maxsize=1)
def domain_responses() -> dict[str, list[dict]]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"]


def rendered(message: dict) -> dict:
    """A dispatcher message as Rasa sends it: a named response's first variant
    filled in with the message's variables, its buttons before the computed ones."""
    name = message.get("response")
    if not name:
        return message
    variant = domain_responses()[name][0]
    return {
        **message,
        "text": interpolate_text(variant.get("text", ""), message),
        "buttons": [*variant.get("buttons", []), *(message.get("buttons") or [])],
    }


def texts(dispatcher) -> str:
    """Everything the dispatcher said, as one string."""
    return "\n".join(rendered(m).get("text") or "" for m in dispatcher.messages)


def slot_events(events) -> dict:
    """The slots an action's events set, by name (the last value wins)."""
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def button_titles(dispatcher) -> list[str]:
    """The answers' own buttons, without 👍/👎."""
    return [
        b["title"]
        for m in dispatcher.messages
        for b in rendered(m).get("buttons") or []
        if not is_rating(b)
    ]


def rating_payloads(dispatcher) -> list[str]:
    return [
        b["payload"]
        for m in dispatcher.messages
        for b in rendered(m).get("buttons") or []
        if is_rating(b)
    ]


def responses(dispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages if m.get("response")]


def template_text(name: str, **values: Any) -> str:
    """A computed answer's template as shipped, in standard German."""
    from actions.sdk.wording import Wording
    from core.responses import STANDARD

    return Wording(STANDARD, {})(name, **values)
