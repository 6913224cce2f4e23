"""`smartcity backup` and `smartcity restore` as an operator runs them."""

from __future__ import annotations

import os
import re
import socket
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from actions.db import suggestions as store
from actions.db.session import get_engine, in_transaction
from core.deletion_journal import EVERYTHING, Deletion, DeletionJournal
from tests.bot.test_cli import smartcity
from tests.e2e.assistant import free_port


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'city.db'}",
        SMARTCITY_VAR_DIR=str(tmp_path / "var"),
        # Nothing of ours listens here: the restore's check of running servers.
        RASA_PORT=str(free_port()),
        ACTION_PORT=str(free_port()),
        WEB_PORT=str(free_port()),
    )
    assert smartcity("db", "upgrade", env=env).returncode == 0
    return env


def hand_in(env: dict[str, str], words: str) -> str:
    def work(session):
        new = store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="rest",
                                  sender_key="k" * 64, text=words, topic="Mobilität")  # fmt: skip
        return store.create(session, new, daily_limit=100)[0].reference

    reference = in_transaction(env["DATABASE_URL"], work)
    get_engine(env["DATABASE_URL"]).dispose()
    return reference


def one_line_error(result, text: str) -> None:
    assert result.returncode != 0
    assert text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_backup_check_restore_as_the_operator_sees_it(env, tmp_path):
    kept = hand_in(env, "Mehr Bänke am Weiher")
    gone = hand_in(env, "Ein Trinkbrunnen am Bahnhof")
    made = smartcity("backup", "--output", str(tmp_path / "out") + "/", env=env)
    assert made.returncode == 0, made.stderr
    assert "backup written:" in made.stdout and "2 suggestions" in made.stdout
    assert "NOT encrypted" in made.stdout
    [backup] = (tmp_path / "out").iterdir()

    checked = smartcity("restore", "--check", str(backup), env=env)
    assert checked.returncode == 0, checked.stderr
    assert "backup OK" in checked.stdout and "2 suggestions" in checked.stdout

    deleted = smartcity("suggestions", "delete", gone, env=env)
    assert deleted.returncode == 0, deleted.stderr
    one_line_error(smartcity("restore", str(backup), env=env), "--yes")

    city = Path(make_url(env["DATABASE_URL"]).database)
    for path in (city, Path(f"{city}-wal"), Path(f"{city}-shm")):
        path.unlink(missing_ok=True)
    restored = smartcity("restore", str(backup), env=env)
    assert restored.returncode == 0, restored.stderr
    # The backup's schema is the head, and stays so: no migration was needed.
    assert re.search(r"schema (\d{4}) -> \1\b", restored.stdout), restored.stdout
    assert "deleted again (1 deletions journaled since the backup): 1 suggestions" in (
        restored.stdout
    )
    assert "older than 180 days" in restored.stdout  # the retention purge ran
    found = in_transaction(env["DATABASE_URL"], lambda s: {
        r: store.by_reference(s, r) is not None for r in (kept, gone)})  # fmt: skip
    assert found == {kept: True, gone: False}


def test_a_running_assistant_stops_the_restore(env, tmp_path):
    made = smartcity("backup", "--output", str(tmp_path / "b.tar.gz"), env=env)
    assert made.returncode == 0, made.stderr
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", int(env["RASA_PORT"])))
        listening.listen()
        result = smartcity("restore", str(tmp_path / "b.tar.gz"), "--yes", env=env)
    one_line_error(result, "stop the assistant before a restore")


@pytest.mark.parametrize(
    ("args", "extra", "message"),
    [
        (["restore", "/no/such/backup.tar.gz"], {}, "cannot read /no/such/backup"),
        (["backup"], {"BACKUP_RECIPIENT": "age1nope"}, "BACKUP_RECIPIENT must list"),
        (["backup"], {"BACKUP_KEEP_DAYS": "200"}, "must not exceed RETENTION_DAYS"),
        (["backup", "--output", "/no/such/dir/x.tar.gz"], {}, "no folder /no/such"),
        (
            ["backup"],
            {"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x", "PATH": "/nowhere"},
            "pg_dump is not installed",
        ),
    ],
)
def test_every_failure_is_one_line(env, args, extra, message):
    one_line_error(smartcity(*args, env={**env, **extra}), message)


def test_the_retention_purge_prunes_the_journal_past_the_backups_kept(env, tmp_path):
    journal = DeletionJournal(tmp_path / "var" / "deletions.jsonl")
    now = datetime.now(timezone.utc)
    for days in (40, 2):
        journal.append(Deletion(now - timedelta(days=days), EVERYTHING, "k" * 64))
    purged = smartcity("retention", "purge", env={**env, "BACKUP_KEEP_DAYS": "30"})
    assert purged.returncode == 0, purged.stderr
    assert "deletion journal: 1 entries older than 31 days pruned" in purged.stdout
    assert len(journal.read().entries) == 1
