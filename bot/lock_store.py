"""Rasa's RedisLockStore, configured by one URL (LOCK_STORE_URL), made atomic.

With several Rasa processes (RASA_WORKERS, or several hosts), a citizen's
messages may reach different processes; the lock in Redis makes them take
turns on that conversation, in the order they arrived.

Rasa 3.6 changes a lock by GET, change in Python, SET. Two processes issuing
a ticket at the same moment can then both get the same number, or one can
wipe out the other's ticket, and two turns of one conversation run at once:
tests/e2e/test_scale_out.py lost one of 20 messages that way. Here every
change of a lock is one optimistic Redis transaction (WATCH/MULTI/EXEC),
retried when another process changed the lock in between.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import RedisError, WatchError

DEFAULT_DB = 1  # Rasa's own default for its lock store

T = TypeVar("T")
# The change of a lock: the lock to keep (None deletes it) and a result.
Change = Callable[[TicketLock | None], tuple[TicketLock | None, T]]


class RedisURLLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        url = urlsplit(endpoint_config.url or "")
        database = url.path.lstrip("/")
        super().__init__(
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

    def issue_ticket(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME
    ) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except RedisError as error:
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
