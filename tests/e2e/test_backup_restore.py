"""Issue 35: a backup restores, and a restore brings back nobody who was deleted.

Two citizens hand in suggestions on a running assistant of its own; a backup
is taken; the second citizen deletes all their data; the assistant stops,
its databases are wiped, the backup is restored; the assistant starts again.
The first citizen asks for the status of their reference and gets it; the
second citizen's suggestion and conversation stay deleted (GDPR Art. 17).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import aiohttp
import pytest

from core.deletion_journal import EVERYTHING, DeletionJournal
from core.settings import PROJECT_ROOT
from tests.e2e.assistant import Assistant, StartupError, start
from tests.e2e.chat import REFERENCE, fill_form, joined, say

FIRST_IDEA = "Mehr Sitzbänke mit Schatten am Stiftsplatz aufstellen"
SECOND_IDEA = "Einen Trinkbrunnen vor der Stadtbibliothek bauen"
NO_TELEGRAM = {"TELEGRAM_BOT_TOKEN": ""}


def launch(workdir: Path, prepare: bool = True) -> Assistant:
    try:
        return start(workdir, NO_TELEGRAM, prepare=prepare)
    except StartupError as error:
        pytest.fail(str(error))


def smartcity(assistant: Assistant, *args: str) -> subprocess.CompletedProcess:
    """The command line with the assistant's settings, as its operator runs it."""
    env = dict(
        os.environ,
        DATABASE_URL=assistant.database_url,
        TRACKER_STORE_URL=assistant.tracker_store_url,
        SMARTCITY_VAR_DIR=str(assistant.workdir / "var"),
        RASA_PORT=str(assistant.rasa_port),
        ACTION_PORT=str(assistant.action_port),
        WEB_PORT=str(assistant.web_port),
        **NO_TELEGRAM,
    )
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env,
                          cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300)  # fmt: skip


def suggestions_with(assistant: Assistant, words: str) -> int:
    path = assistant.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT count(*) FROM suggestions WHERE text = ?", (words,)
        ).fetchone()[0]


def events_of(assistant: Assistant, sender: str) -> int:
    with sqlite3.connect(assistant.tracker_db) as db:
        return db.execute(
            "SELECT count(*) FROM events WHERE sender_id = ?", (sender,)
        ).fetchone()[0]


def wipe(assistant: Assistant) -> None:
    """The databases are lost; var/ keeps the secret key and the journal."""
    city = Path(assistant.database_url.removeprefix("sqlite:///"))
    for database in (city, assistant.tracker_db):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)


async def hand_in(http, webhook: str, sender: str, idea: str) -> str:
    async def chat(text: str) -> list[dict]:
        return await say(http, webhook, sender, text)

    await fill_form(chat, idea)
    return REFERENCE.search(joined(await chat("/affirm"))).group(0)


async def test_a_restored_backup_answers_the_citizen_and_keeps_the_deleted_deleted(
    tmp_path,
):
    first, second = f"erste-{uuid.uuid4().hex}", f"zweite-{uuid.uuid4().hex}"
    running = launch(tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            hook = running.webhook
            first_reference = await hand_in(http, hook, first, FIRST_IDEA)
            second_reference = await hand_in(http, hook, second, SECOND_IDEA)

            made = smartcity(running, "backup", "--output", f"{tmp_path}/backups/")
            assert made.returncode == 0, made.stderr
            assert "2 suggestions" in made.stdout

            assert "wirklich alle Ihre Daten löschen" in joined(
                await say(http, hook, second, "Bitte meine Daten löschen")
            )
            done = joined(await say(http, hook, second, "/affirm"))
            assert "Gelöscht sind: 1 Vorschlag" in done
    finally:
        assert running.stop() == 0, running.log.read_text()[-3000:]
    assert " ERROR " not in running.log.read_text()
    journaled = DeletionJournal(tmp_path / "var" / "deletions.jsonl").read().entries
    assert [entry.kind for entry in journaled] == [EVERYTHING]

    wipe(running)
    [backup] = (tmp_path / "backups").iterdir()
    restored = smartcity(running, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "deleted again (1 deletions journaled since the backup): 1 suggestions" in (
        restored.stdout
    )
    assert "1 conversations" in restored.stdout
    assert suggestions_with(running, FIRST_IDEA) == 1
    assert suggestions_with(running, SECOND_IDEA) == 0
    assert events_of(running, first) > 0 and events_of(running, second) == 0

    again = launch(tmp_path, prepare=False)
    try:
        async with aiohttp.ClientSession() as http:
            mine = joined(await say(http, again.webhook, first,
                                    f"Wie ist der Stand von {first_reference}?"))  # fmt: skip
            assert "eingegangen" in mine and FIRST_IDEA in mine
            theirs = joined(await say(http, again.webhook, second,
                                      f"Wie ist der Stand von {second_reference}?"))  # fmt: skip
            assert f"{second_reference} habe ich nicht gefunden" in theirs
    finally:
        assert again.stop() == 0, again.log.read_text()[-3000:]
    assert " ERROR " not in again.log.read_text()
