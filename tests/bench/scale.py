"""The scaled setting of the benchmark: PostgreSQL, Redis, N Rasa workers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.helpers import temporary_postgres_database, temporary_redis_url


@contextmanager
def scaled_environment(workers: int) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database for the city and Rasa, a Redis lock store."""
    with temporary_postgres_database() as database, temporary_redis_url() as redis:
        yield {
            "DATABASE_URL": database,
            "TRACKER_STORE_URL": database,
            "LOCK_STORE_URL": redis,
            "RASA_WORKERS": str(workers),
        }
