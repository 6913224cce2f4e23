"""The deletion journal: append-only, private, durable, shared by processes."""

from __future__ import annotations

import json
import logging
import multiprocessing
import stat
from datetime import datetime, timedelta, timezone

import pytest

from core.deletion_journal import (
    CONVERSATION,
    EVERYTHING,
    SUGGESTION,
    UNSUBSCRIBE,
    Deletion,
    DeletionJournal,
    JournalError,
    note,
)

KEY = "a" * 64


def test_the_first_line_is_a_header_and_each_deletion_one_line(tmp_path):
    path = tmp_path / "var" / "deletions.jsonl"
    journal = DeletionJournal(path)
    journal.record(EVERYTHING, key=KEY, offers=("o2", "o1"))
    journal.record(SUGGESTION, reference="V-7KQ2-M9XD")
    journal.record(UNSUBSCRIBE, email_key="b" * 64)
    header, *lines = path.read_text().splitlines()
    assert json.loads(header)["journal"] == "smartcity deletion journal"
    assert [json.loads(line)["kind"] for line in lines] == [
        EVERYTHING, SUGGESTION, UNSUBSCRIBE
    ]  # fmt: skip
    assert json.loads(lines[0]) == {
        "at": json.loads(lines[0])["at"], "kind": EVERYTHING, "key": KEY,
        "offers": ["o1", "o2"],
    }  # fmt: skip
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    state = journal.read()
    assert [e.kind for e in state.entries] == [EVERYTHING, SUGGESTION, UNSUBSCRIBE]
    assert state.entries[0].key == KEY and state.entries[0].offers == ("o1", "o2")
    assert state.entries[0].at.tzinfo is not None
    assert journal.ensure().id == state.id  # the same journal, not a new one


def test_a_missing_journal_reads_as_none_and_ensure_makes_it(tmp_path):
    journal = DeletionJournal(tmp_path / "deletions.jsonl")
    assert journal.read() is None
    made = journal.ensure()
    assert made.entries == [] and len(made.id) == 32
    assert journal.read().id == made.id


def test_since_is_inclusive(tmp_path):
    journal = DeletionJournal(tmp_path / "j.jsonl")
    moment = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
    for minutes in (-1, 0, 1):
        journal.append(Deletion(moment + timedelta(minutes=minutes), CONVERSATION, KEY))
    assert len(journal.read().since(moment)) == 2


def _append_many(path, worker: int) -> None:
    journal = DeletionJournal(path)
    for n in range(25):
        journal.record(SUGGESTION, reference=f"V-{worker:04d}-{n:04d}")


def test_processes_appending_at_once_lose_no_line(tmp_path):
    path = tmp_path / "deletions.jsonl"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(path, w)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    state = DeletionJournal(path).read()
    assert len({e.reference for e in state.entries}) == 100
    assert state.unreadable == 0
    assert path.read_text().count('"journal"') == 1  # one header


def test_a_line_cut_short_by_a_crash_is_counted_and_the_next_one_starts_afresh(
    tmp_path,
):
    journal = DeletionJournal(tmp_path / "j.jsonl")
    journal.record(EVERYTHING, key=KEY)
    with journal.path.open("a") as out:
        out.write('{"at":"2026-12-01T1')  # no newline: the power went
    journal.record(CONVERSATION, key=KEY)
    state = journal.read()
    assert [e.kind for e in state.entries] == [EVERYTHING, CONVERSATION]
    assert state.unreadable == 1


def test_pruning_keeps_the_id_and_says_how_far_back_the_journal_reaches(tmp_path):
    journal = DeletionJournal(tmp_path / "j.jsonl")
    now = datetime.now(timezone.utc)
    for days in (40, 20, 1):
        journal.append(Deletion(now - timedelta(days=days), EVERYTHING, KEY))
    before = journal.read()
    assert journal.prune(now - timedelta(days=31)) == 1
    assert journal.prune(now - timedelta(days=31)) == 0
    after = journal.read()
    assert after.id == before.id
    assert after.pruned_before == now - timedelta(days=31)
    assert len(after.entries) == 2
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600


def test_a_file_that_is_no_journal_is_refused(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text("hello\n")
    with pytest.raises(JournalError, match="not a deletion journal"):
        DeletionJournal(path).read()


def test_unknown_kinds_are_refused(tmp_path):
    with pytest.raises(ValueError):
        DeletionJournal(tmp_path / "j.jsonl").record("everyone", key=KEY)


def test_note_logs_an_error_when_the_journal_cannot_be_written(tmp_path, caplog):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with caplog.at_level(logging.ERROR):
        assert not note(blocked / "deletions.jsonl", EVERYTHING, key=KEY)
    assert "would bring it back" in caplog.text
    assert KEY not in caplog.text
    assert note(tmp_path / "deletions.jsonl", EVERYTHING, key=KEY)
