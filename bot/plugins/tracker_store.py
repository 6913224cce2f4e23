"""Rasa's SQL tracker store, configured by one URL, able to forget a conversation.

It also spares Rasa's COUNT of the stored events on every save, which was
the largest single cost of the store (docs/performance.md): a tracker that
this store read or wrote knows how many of its events are stored.

Deleting a sender's events from inside an action does not work: Rasa saves the
tracker after the turn and would write them back. So the deletion action only
runs, and this store erases the sender's events when it saves that turn. An
erasure that fails (the database is away) is noted in a journal under var/ and
retried before every later read or write until it succeeds; meanwhile that
conversation reads as empty.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import logging
import os
import weakref
from pathlib import Path
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import Index, create_engine, event, func
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from bot.plugins import turn_metrics
from core.files import private_dir, private_file
from core.protocol import ERASE_ACTIONS
from core.settings import get_settings

logger = logging.getLogger(__name__)


def erase_requested(tracker: DialogueStateTracker) -> bool:
    return any(
        isinstance(event, ActionExecuted) and event.action_name in ERASE_ACTIONS
        for event in tracker.events
    )


def _row(sender_id: str, event) -> dict[str, Any]:
    """An event as Rasa's SQL tracker store keeps it."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


# SQLAlchemy 1.4 opens a new SQLite connection per session; closing the last
# one checkpoints the WAL, a sync per turn. A pool keeps them open (2.0's default).
SQLITE_POOL = {
    "poolclass": QueuePool,
    "pool_size": 5,
    "connect_args": {"check_same_thread": False},
}


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLAlchemy, not pysqlite, begins transactions (see _begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=ON")  # erased text is overwritten
    cursor.execute("PRAGMA busy_timeout=30000")
    # A commit per save: WAL appends instead of rewriting pages and journal,
    # and syncs at checkpoints; a power cut may lose the last turns, never the file.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(connection) -> None:
    # Rasa reads, then writes, in one transaction. On a file shared with the
    # project database, another writer in between would make the upgrade of
    # the read lock fail at once; taking the write lock first waits instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextlib.contextmanager
def _one_process_at_a_time(sqlite_file: Path | None):
    """On SQLite, Sanic workers of one host open the store one after another:
    SQLite's own locks let a second process fail at once (switching the file
    to WAL), and Rasa's table creation would then race (flock on the file is
    independent of SQLite's fcntl locks)."""
    if sqlite_file is None:
        yield
        return
    with open(sqlite_file, "ab") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Rasa reads the latest session with one query whose condition (a subquery
# OR'ed with IS NULL) no index serves: every turn read every event the
# conversation ever had, however short its session (docs/performance.md).
# These let both steps of _event_query below be index range scans.
_EVENTS = SQLTrackerStore.SQLEvent.__table__
SESSION_INDEXES = (
    Index("ix_events_session_starts", _EVENTS.c.sender_id, _EVENTS.c.type_name,
          _EVENTS.c.timestamp),
    Index("ix_events_sender_time", _EVENTS.c.sender_id, _EVENTS.c.timestamp),
)  # fmt: skip


def _create_tables(engine) -> None:
    """Rasa's tables, created by one process at a time.

    Rasa creates them in its constructor and logs an ERROR when another
    worker, starting at the same moment, created them first. Here the check
    and the creation are one transaction that holds the database's write
    lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so Rasa's
    own attempt then finds them. A database that is not up yet is left to
    Rasa's constructor, which waits for it.
    """
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(
                    "SELECT pg_advisory_xact_lock(hashtext('rasa tracker tables'))"
                )
            SQLTrackerStore.Base.metadata.create_all(connection)
            for index in SESSION_INDEXES:  # also on tables of earlier versions
                index.create(connection, checkfirst=True)
    except SQLAlchemyError as error:
        logger.debug("Rasa's tables were not created here: %s", error)


class ErasableSQLTrackerStore(SQLTrackerStore):
    """SQL tracker store taking a SQLAlchemy URL (endpoints.yml `url`)."""

    def __init__(
        self, domain=None, host: str | None = None, event_broker=None, **kwargs: Any
    ):
        url = make_url(host or "sqlite:///rasa.db")
        sqlite_file = None
        if url.get_backend_name() == "sqlite" and url.database:
            sqlite_file = Path(url.database)
            private_dir(sqlite_file.parent)
        # Rasa's engine neither survives a database restart (pool_pre_ping)
        # nor keeps the citizens' words out of error messages (hide_parameters).
        if sqlite_file is None:
            engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
        else:
            engine = create_engine(url, **SQLITE_POOL, hide_parameters=True)
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _begin_immediate)
        with _one_process_at_a_time(sqlite_file):
            _create_tables(engine)
            self._rasa_init(url, domain, event_broker)
        self.engine.dispose()
        self.engine = engine
        if sqlite_file is not None:
            private_file(sqlite_file)
        self.sessionmaker = sessionmaker(bind=self.engine)
        self._journal = get_settings().var_dir / "tracker-erasures.json"
        self._pending = self._read_journal()
        # id(tracker) -> (the tracker, weakly; how many of its events are stored).
        # By identity: a tracker read in this turn, under this turn's lock.
        self._stored: dict[int, tuple[weakref.ref, int]] = {}
        self._inserting: dict[int, list] = {}

    def _rasa_init(self, url, domain, event_broker) -> None:
        super().__init__(
            domain=domain,
            dialect=url.drivername,
            host=url.host,
            port=url.port,
            db=url.database,
            username=url.username,
            password=url.password,
            event_broker=event_broker,
            query=dict(url.query) or None,
        )

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        self._erase_pending()
        if sender_id in self._pending:
            return None
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._know_stored(tracker, len(tracker.events))
        return tracker

    async def retrieve_full_tracker(
        self, conversation_id: str
    ) -> DialogueStateTracker | None:
        self._erase_pending()
        if conversation_id in self._pending:
            return None
        return await super().retrieve_full_tracker(conversation_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if erase_requested(tracker):
            self._update_journal(add={tracker.sender_id})
            self._erase_pending(raise_errors=True)
            return
        self._erase_pending()
        try:
            await self._insert_new_events(tracker)
        except BaseException:
            self._stored.pop(id(tracker), None)  # the database knows; ask it next time
            raise
        finally:
            inserted = self._inserting.pop(id(tracker), [])
        turn_metrics.count(inserted, tracker.events)
        if any(isinstance(event, SessionStarted) for event in inserted):
            # Rasa counts from the newest session start: ask the database next time.
            self._stored.pop(id(tracker), None)
        else:
            self._know_stored(tracker, len(tracker.events))

    async def _insert_new_events(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save, with one multi-row INSERT instead of one ORM object per
        event: SQLAlchemy's unit of work was a third of the save's time."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [
                _row(tracker.sender_id, event)
                for event in self._additional_events(session, tracker)
            ]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()

    def _event_query(
        self, session, sender_id: str, fetch_events_from_all_sessions: bool = False
    ):
        """Rasa's query, in two steps that SESSION_INDEXES serve."""
        query = session.query(self.SQLEvent).filter(
            self.SQLEvent.sender_id == sender_id
        )
        if not fetch_events_from_all_sessions:
            start = (
                session.query(func.max(self.SQLEvent.timestamp))
                .filter(
                    self.SQLEvent.sender_id == sender_id,
                    self.SQLEvent.type_name == SessionStarted.type_name,
                )
                .scalar()
            )
            if start is not None:
                query = query.filter(self.SQLEvent.timestamp >= start)
        return query.order_by(self.SQLEvent.id)

    def _additional_events(self, session, tracker: DialogueStateTracker):
        known = self._stored.get(id(tracker))
        if known is not None and known[0]() is tracker:
            stored = known[1]
        else:
            stored = self._event_query(
                session, tracker.sender_id, fetch_events_from_all_sessions=False
            ).count()
        events = list(itertools.islice(tracker.events, stored, None))
        self._inserting[id(tracker)] = events
        return iter(events)

    def _know_stored(self, tracker: DialogueStateTracker, count: int) -> None:
        self._stored[id(tracker)] = (weakref.ref(tracker), count)
        if len(self._stored) > 1000:
            self._stored = {k: v for k, v in self._stored.items() if v[0]() is not None}

    def erase(self, sender_id: str) -> int:
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        if self.engine.dialect.name == "sqlite":
            # The pool keeps the WAL file; the erased rows' old pages are in it.
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        logger.info("erased %d stored events of one conversation", deleted)
        return deleted

    def _erase_pending(self, raise_errors: bool = False) -> None:
        for sender_id in sorted(self._pending):
            try:
                self.erase(sender_id)
            except SQLAlchemyError:
                logger.warning("A conversation could not be erased yet; will retry.")
                if raise_errors:
                    raise
                return
            self._update_journal(remove={sender_id})

    def _read_journal(self) -> set[str]:
        try:
            return set(json.loads(self._journal.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return set()
        except (OSError, ValueError):
            logger.error("The erasure journal %s is unreadable.", self._journal)
            return set()

    def _update_journal(self, add: set[str] = frozenset(), remove=frozenset()) -> None:
        """Every worker of a host shares the journal: each change is read,
        made and written under a lock, through a temporary file of its own
        (two workers erasing at once lost one's file: FileNotFoundError)."""
        private_dir(self._journal.parent)
        lock = self._journal.with_suffix(".lock")
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            pending = (self._read_journal() | set(add)) - set(remove)
            temporary = self._journal.with_name(f"{lock.stem}.{os.getpid()}.tmp")
            out_fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(out_fd, "w", encoding="utf-8") as out:
                json.dump(sorted(pending), out)
            temporary.replace(self._journal)
        self._pending = pending
