"""The erasable tracker store: erasure, its retry after a database failure,
and Rasa's fallback to memory turned into an error of the turn."""

from __future__ import annotations

import json

import pytest
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import OperationalError

from bot.plugins.channel import TrackerStoreUnavailable, make_tracker_store_errors_fatal
from bot.plugins.tracker_store import ErasableSQLTrackerStore
from core.protocol import ERASE_ACTION
from core.settings import get_settings


@pytest.fixture
def store(tmp_path, monkeypatch) -> ErasableSQLTrackerStore:
    monkeypatch.setenv("SMARTCITY_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield ErasableSQLTrackerStore(
        domain=Domain.empty(), host=f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"
    )
    get_settings.cache_clear()


def conversation(sender: str, *events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        sender, [UserUttered("Meine Idee: mehr Bänke"), *events]
    )


async def test_a_failed_erasure_is_journalled_and_retried_until_it_succeeds(
    store, monkeypatch
):
    await store.save(conversation("citizen"))
    assert await store.retrieve("citizen") is not None
    real_erase, failures = store.erase, []

    def erase_fails_once(sender_id):
        if not failures:
            failures.append(sender_id)
            raise OperationalError("DELETE", {}, Exception("database gone"))
        return real_erase(sender_id)

    monkeypatch.setattr(store, "erase", erase_fails_once)
    with pytest.raises(OperationalError):
        await store.save(conversation("citizen", ActionExecuted(ERASE_ACTION)))
    journal = store._journal
    assert json.loads(journal.read_text()) == ["citizen"]
    assert journal.stat().st_mode & 0o777 == 0o600
    # The next turn of anyone retries it first; the conversation is gone.
    assert await store.retrieve("someone else") is None
    assert json.loads(journal.read_text()) == []
    assert await store.retrieve("citizen") is None


async def test_the_journal_survives_a_restart(store, tmp_path):
    store._update_journal(add={"citizen"})
    again = ErasableSQLTrackerStore(
        domain=Domain.empty(), host=f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"
    )
    assert again._pending == {"citizen"}


async def test_workers_of_one_host_share_the_journal(store, tmp_path):
    """Two Sanic workers erasing at once: neither loses the other's entry,
    nor fails on the other's temporary file."""
    other = ErasableSQLTrackerStore(
        domain=Domain.empty(), host=f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"
    )
    store._update_journal(add={"anna"})
    other._update_journal(add={"ben"})
    store._update_journal(remove={"anna"})
    assert json.loads(store._journal.read_text()) == ["ben"]
    assert store._pending == {"ben"}


async def test_rasas_fallback_to_memory_becomes_an_error_of_the_turn(
    store, monkeypatch
):
    """Issue 13: Rasa's FailSafeTrackerStore lost the form state silently."""

    async def broken(*_args):
        raise OperationalError("SELECT", {}, Exception("database gone"))

    wrapped = FailSafeTrackerStore(store)
    monkeypatch.setattr(store, "retrieve", broken)
    monkeypatch.setattr(store, "save", broken)
    assert await wrapped.retrieve("citizen") is None  # Rasa's own behaviour
    make_tracker_store_errors_fatal(wrapped)
    with pytest.raises(TrackerStoreUnavailable):
        await wrapped.retrieve("citizen")
    with pytest.raises(TrackerStoreUnavailable):
        await wrapped.save(conversation("citizen"))


def stored_texts(store, sender: str) -> list[str]:
    with store.session_scope() as session:
        rows = (
            session.query(store.SQLEvent)
            .filter(store.SQLEvent.sender_id == sender)
            .order_by(store.SQLEvent.id)
        )
        return [
            json.loads(row.data).get("text") for row in rows if row.type_name == "user"
        ]


async def test_saves_store_each_event_once_without_counting(store, monkeypatch):
    tracker = conversation("citizen")
    await store.save(tracker)
    tracker = await store.retrieve("citizen")
    # A tracker this store read or wrote needs no COUNT to know what is new.
    monkeypatch.setattr(store, "_event_query", lambda *a, **k: pytest.fail("counted"))
    for text in ("zweitens", "drittens"):
        tracker.update(UserUttered(text))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
    monkeypatch.undo()
    assert stored_texts(store, "citizen") == [
        "Meine Idee: mehr Bänke",
        "zweitens",
        "drittens",
    ]


async def test_a_tracker_it_does_not_know_is_counted_in_the_database(store):
    await store.save(conversation("citizen"))
    first, second = await store.retrieve("citizen"), await store.retrieve("citizen")
    first.update(UserUttered("vom ersten"))
    await store.save(first)
    # A copy the store did not hand out, and one read before that save.
    copy = DialogueStateTracker.from_events("citizen", [*first.events])
    copy.update(UserUttered("von der Kopie"))
    await store.save(copy)
    second.update(UserUttered("vom zweiten"))
    await store.save(second)
    assert stored_texts(store, "citizen")[:3] == [
        "Meine Idee: mehr Bänke",
        "vom ersten",
        "von der Kopie",
    ]


async def test_rows_are_the_ones_rasas_own_store_writes(store, tmp_path):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SlotSet

    tracker = conversation(
        "citizen",
        ActionExecuted("action_project_info"),
        SlotSet("topic", "Mobilität"),
        UserUttered("Danke", intent={"name": "thank", "confidence": 0.9}),
        ActionExecuted("action_listen"),
    )
    rasa = SQLTrackerStore(Domain.empty(), db=str(tmp_path / "rasa.db"))
    for each in (store, rasa):
        await each.save(tracker)

    def rows(each):
        with each.session_scope() as session:
            found = session.query(each.SQLEvent).order_by(each.SQLEvent.id)
            return [
                (r.type_name, r.timestamp, r.intent_name, r.action_name, r.data)
                for r in found
            ]

    assert rows(store) == rows(rasa)
    assert len(rows(store)) == 5


async def test_erased_words_are_left_in_no_file(store, tmp_path):
    await store.save(conversation("citizen"))
    await store.save(conversation("neighbour"))
    await store.save(conversation("citizen", ActionExecuted(ERASE_ACTION)))
    files = list((tmp_path / "var").glob("tracker.db*"))
    assert files  # the database, and its WAL while the pool keeps connections
    leftovers = [f.name for f in files if b"citizen" in f.read_bytes()]
    assert leftovers == []
    assert await store.retrieve("neighbour") is not None


def _open_store_at_once(url: str, start, errors) -> None:
    """In a forked process, like a Sanic worker: open the store, note ERRORs."""
    import logging

    class Count(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            errors.append(record.getMessage())

    logging.getLogger("rasa.core.tracker_store").addHandler(Count(logging.ERROR))
    start.wait()
    ErasableSQLTrackerStore(domain=Domain.empty(), host=url)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_workers_starting_together_create_the_tables_without_an_error(
    backend, tmp_path, monkeypatch
):
    import multiprocessing
    from contextlib import ExitStack

    from tests.helpers import temporary_postgres_database

    monkeypatch.setenv("SMARTCITY_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    fork = multiprocessing.get_context("fork")
    with ExitStack() as stack, fork.Manager() as manager:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"
        else:
            url = stack.enter_context(temporary_postgres_database())
        start, errors = manager.Barrier(4), manager.list()
        workers = [
            fork.Process(target=_open_store_at_once, args=(url, start, errors))
            for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert [w.exitcode for w in workers] == [0] * 4
        assert list(errors) == []
    get_settings.cache_clear()
