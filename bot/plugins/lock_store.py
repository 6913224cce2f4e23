"""Conversation locks that several Rasa processes share, changed atomically.

With several Rasa processes (RASA_WORKERS, or several hosts), a citizen's
messages may reach different processes; a shared lock makes them take turns
on that conversation, in the order they arrived. Two stores hold it:

- RedisURLLockStore: Rasa's RedisLockStore configured by one URL
  (LOCK_STORE_URL), for several hosts;
- SQLiteLockStore: a file under var/, for the workers of one host, so that
  `make run` can use every core without any service.

Rasa 3.6 changes a lock by read, change in Python, write. Two processes issuing
a ticket at the same moment can then both get the same number, or one can
wipe out the other's ticket, and two turns of one conversation run at once:
tests/e2e/test_scale_out.py lost one of 20 messages that way. Here every
change of a lock is one transaction of the storage: WATCH/MULTI/EXEC in Redis
(retried when another process changed the lock in between), BEGIN IMMEDIATE
in SQLite.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import RedisError, WatchError

from core.files import private_dir, private_file

DEFAULT_DB = 1  # Rasa's own default for its lock store

T = TypeVar("T")
# The change of a lock: the lock to keep (None deletes it) and a result.
Change = Callable[[TicketLock | None], tuple[TicketLock | None, T]]


class AtomicLockStore(LockStore):
    """Rasa's ticket protocol, each step one atomic `_change` of the storage."""

    storage_errors: tuple[type[Exception], ...] = ()

    def _change(self, conversation_id: str, change: Change) -> T:
        raise NotImplementedError

    def issue_ticket(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME
    ) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except self.storage_errors as error:
            raise LockError(f"Error while acquiring lock: {error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
                if not lock.is_someone_waiting():
                    lock = None
            return lock, None

        self._change(conversation_id, finish)


class RedisURLLockStore(AtomicLockStore, RedisLockStore):
    storage_errors = (RedisError,)

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        url = urlsplit(endpoint_config.url or "")
        database = url.path.lstrip("/")
        RedisLockStore.__init__(
            self,
            host=url.hostname or "localhost",
            port=url.port or 6379,
            db=int(database) if database.isdigit() else DEFAULT_DB,
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password else None,
            use_ssl=url.scheme == "rediss",
            key_prefix=endpoint_config.kwargs.get("key_prefix"),
        )

    def _change(self, conversation_id: str, change: Change) -> T:
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else None
                    lock, result = change(lock)
                    pipe.multi()
                    if lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, lock.dumps())
                    pipe.execute()
                    return result
                except WatchError:
                    continue  # another process changed it first: read it again


class SQLiteLockStore(AtomicLockStore):
    """Locks in a SQLite file (endpoints.yml `url: sqlite:///path`), one host only.

    Locks live for a turn: a lost file costs nothing but the waits in flight,
    so the file is not synced on every commit (WAL, synchronous=NORMAL).
    """

    storage_errors = (sqlite3.Error, OSError)

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        url = endpoint_config.url or ""
        if not url.startswith("sqlite:///") or url == "sqlite:///":
            raise ValueError("SQLiteLockStore needs url: sqlite:///path/to/file")
        self.path = Path(url.removeprefix("sqlite:///"))
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._opening = threading.Lock()
        super().__init__()

    @property
    def connection(self) -> sqlite3.Connection:
        if self._connection is None or self._pid != os.getpid():  # not across fork
            with self._opening:  # Rasa calls from several threads at once
                if self._connection is None or self._pid != os.getpid():
                    self._connection, self._pid = self._open(), os.getpid()
        return self._connection

    def _open(self) -> sqlite3.Connection:
        private_dir(self.path.parent)
        connection = sqlite3.connect(
            self.path, timeout=30, isolation_level=None, check_same_thread=False
        )
        _use_wal(connection)
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS ticket_locks"
            " (conversation_id TEXT PRIMARY KEY, lock TEXT NOT NULL)"
        )
        private_file(self.path)
        return connection

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        row = self.connection.execute(
            "SELECT lock FROM ticket_locks WHERE conversation_id = ?",
            (conversation_id,),
        ).fetchone()
        return TicketLock.from_dict(json.loads(row[0])) if row else None

    def delete_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, lambda _lock: (None, None))

    def save_lock(self, lock: TicketLock) -> None:
        self._change(lock.conversation_id, lambda _stored: (lock, None))

    def _change(self, conversation_id: str, change: Change) -> T:
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")  # the write lock before reading
        try:
            lock, result = change(self.get_lock(conversation_id))
            if lock is None:
                connection.execute(
                    "DELETE FROM ticket_locks WHERE conversation_id = ?",
                    (conversation_id,),
                )
            else:
                connection.execute(
                    "INSERT OR REPLACE INTO ticket_locks VALUES (?, ?)",
                    (conversation_id, lock.dumps()),
                )
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return result


def _use_wal(connection: sqlite3.Connection, attempts: int = 50) -> None:
    """Switch the file to WAL once. The switch needs the file to itself and
    SQLite answers "locked" at once rather than waiting, so it is retried
    while another process (a Sanic worker starting too) opens the file."""
    for attempt in range(attempts):
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
