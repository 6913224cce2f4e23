"""Backups and restores (actions.db.backup): what comes back, what must not
(deletions since the backup), and every refusal before anything changes."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import tarfile
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyrage
import pytest
from PIL import Image
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from actions.db import erasure, photos, review, supports
from actions.db import suggestions as store
from actions.db.backup import BackupError, archive, postgres
from actions.db.backup.make import make_backup
from actions.db.backup.manifest import (
    Manifest,
    StoredDatabase,
    check_schema,
    head_revision,
    model_fingerprint,
)
from actions.db.backup.restore import check, restore
from actions.db.models import Notification, Photo, Suggestion, Support, utcnow
from actions.db.session import get_engine, in_transaction, upgrade
from core.deletion_journal import (
    CONVERSATION,
    EVERYTHING,
    SUGGESTION,
    UNSUBSCRIBE,
    Deletion,
    DeletionJournal,
)
from core.secret_key import email_key, sender_key
from core.settings import Settings

SECRET = "s" * 48
EVENTS_DDL = (
    "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
    "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
    "action_name VARCHAR(255), data TEXT)"
)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (40, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def settings_for(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'city.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'var' / 'tracker.db'}",
        "SMARTCITY_VAR_DIR": str(tmp_path / "var"),
        "SMARTCITY_SECRET_KEY": SECRET,
        **env,
    })  # fmt: skip


@pytest.fixture
def installation(tmp_path, migrated_sqlite) -> Settings:
    """A migrated city database and a tracker store with Rasa's table."""
    settings = settings_for(tmp_path)
    shutil.copyfile(migrated_sqlite, tmp_path / "city.db")
    (tmp_path / "var").mkdir(mode=0o700)
    with sqlite3.connect(tmp_path / "var" / "tracker.db") as db:
        db.execute(EVENTS_DDL)
    yield settings
    get_engine(settings.database_url).dispose()


def hand_in(settings: Settings, sender: str, words: str, **extra) -> str:
    """A suggestion with a photo and news to the chat; its reference."""
    key = sender_key(sender, settings)

    def work(session):
        photos.add_pending(session, key, content=jpeg(), media_type="image/jpeg",
                           width=16, height=12, now=utcnow())  # fmt: skip
        suggestion, _ = store.create(session, store.NewSuggestion(
            form_run_id=uuid.uuid4().hex, channel="rest", sender_key=key, text=words,
            topic="Mobilität", reply_to=sender, **extra,
        ), daily_limit=100)  # fmt: skip
        session.flush()
        store.change_status(session, suggestion, "in_pruefung", actor="anna")
        # On the public board, so that others can back it.
        suggestion.public_consent_at = suggestion.published_at = utcnow()
        suggestion.public_title = words[:40]
        return suggestion.reference

    return in_transaction(settings.database_url, work)


def support(settings: Settings, sender: str, reference: str) -> None:
    in_transaction(settings.database_url, lambda s: supports.add(
        s, reference, sender_key(sender, settings), channel="rest", reply_to=sender))  # fmt: skip


def chat(settings: Settings, sender: str, at: datetime, messages: int = 3) -> None:
    """Rasa's events of a conversation, as the tracker store keeps them."""
    url = make_url(settings.tracker_store_url)
    rows = [(sender, "user", at.timestamp() + n, json.dumps({"text": f"Nachricht {n}"}))
            for n in range(messages)]  # fmt: skip
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database) as db:
            db.executemany("INSERT INTO events (sender_id, type_name, timestamp, data) "
                           "VALUES (?, ?, ?, ?)", rows)  # fmt: skip
        return
    with get_engine(settings.tracker_store_url).begin() as connection:
        for sender_id, kind, timestamp, data in rows:
            connection.execute(text(
                "INSERT INTO events (sender_id, type_name, timestamp, data) "
                "VALUES (:s, :k, :t, :d)"), {"s": sender_id, "k": kind, "t": timestamp,
                                           "d": data})  # fmt: skip


def events_of(settings: Settings, sender: str) -> int:
    with get_engine(settings.tracker_store_url).connect() as connection:
        return connection.scalar(
            text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}
        )


def count(settings: Settings, model) -> int:
    return in_transaction(
        settings.database_url, lambda s: s.scalar(select(func.count(model.id)))
    )


def suggestion_of(settings: Settings, reference: str) -> tuple[str, str] | None:
    """(text, sender_key) of a suggestion, as the status question reads it."""
    found = in_transaction(
        settings.database_url,
        lambda s: store.by_reference(s, reference),
        expire_on_commit=False,
    )
    return (found.text, found.sender_key) if found else None


def wipe(settings: Settings) -> None:
    """The disk is gone: both SQLite files with their -wal and -shm."""
    get_engine(settings.database_url).dispose()
    get_engine(settings.tracker_store_url).dispose()
    for url in (settings.database_url, settings.tracker_store_url):
        path = make_url(url).database
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)


def journal(settings: Settings) -> DeletionJournal:
    return DeletionJournal(settings.deletion_journal)


# The file and its manifest ----------------------------------------------------


def test_a_backup_is_one_private_file_with_a_manifest_and_checksums(installation):
    hand_in(installation, "anna", "Mehr Bänke am Weiher")
    chat(installation, "anna", utcnow())
    made = make_backup(installation, None, None)
    assert made.path.parent == installation.backup_dir
    assert archive.FILE_NAME.match(made.path.name)
    assert oct(made.path.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(made.path) as tar:
        assert tar.getnames() == [
            "manifest.json",
            "city.sqlite3",
            "conversations.sqlite3",
        ]
        manifest = Manifest.from_json(tar.extractfile("manifest.json").read())
    assert manifest.schema_revision == head_revision()
    assert manifest.rows("suggestions") == 1 and manifest.rows("events") == 3
    assert manifest.rows("suggestion_photos") == 1
    assert manifest.journal_id == journal(installation).read().id
    assert manifest.created_at <= manifest.finished_at
    assert all(len(d.sha256) == 64 for d in manifest.databases)
    assert not list(installation.backup_dir.glob(".*"))  # no work files left


def test_the_manifest_refuses_a_newer_format_and_foreign_file_names():
    manifest = Manifest(utcnow(), "0021", "j", 0, "k",
                        [StoredDatabase("city", "sqlite", "city.sqlite3")])  # fmt: skip
    again = Manifest.from_json(manifest.to_json())
    assert again.databases == manifest.databases
    assert again.created_at == manifest.created_at
    newer = json.loads(manifest.to_json())
    newer["format_version"] = 99
    with pytest.raises(BackupError, match="restore it with a newer version"):
        Manifest.from_json(json.dumps(newer).encode())
    with pytest.raises(BackupError, match="unreadable"):
        Manifest.from_json(b"{}")
    escaping = json.loads(manifest.to_json())
    escaping["databases"][0]["member"] = "../../etc/cron.d/x"
    with pytest.raises(BackupError, match="unexpected file name"):
        Manifest.from_json(json.dumps(escaping).encode())


def test_schema_revisions_older_current_and_newer():
    assert check_schema(head_revision()) == "current"
    assert check_schema("0015") == "older"
    with pytest.raises(BackupError, match="newer than this version's"):
        check_schema("0999")


def test_the_model_fingerprint_names_rasas_id_and_the_file(tmp_path):
    model = tmp_path / "model.tar.gz"
    metadata = json.dumps({"model_id": "abc123", "trained_at": "2026-12-01T10:00"})
    with tarfile.open(model, "w:gz") as tar:
        info = tarfile.TarInfo("metadata.json")
        info.size = len(metadata)
        tar.addfile(info, io.BytesIO(metadata.encode()))
    found = model_fingerprint(model)
    assert found["rasa_model_id"] == "abc123" and found["file"] == "model.tar.gz"
    assert len(found["sha256"]) == 64
    assert model_fingerprint(None) is None


def test_old_backups_in_the_folder_go_by_the_time_in_their_name(tmp_path):
    now = datetime(2026, 12, 6, 3, tzinfo=timezone.utc)
    names = [archive.file_name(now - timedelta(days=d), encrypted=d % 2 == 0)
             for d in (0, 29, 31, 45)]  # fmt: skip
    for name in [*names, "notes.txt", "smartcity-backup-x.tar.gz"]:
        (tmp_path / name).write_text("")
    removed = archive.remove_older(tmp_path, 30, now)
    assert [p.name for p in removed] == sorted(names[2:])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*names[:2], "notes.txt", "smartcity-backup-x.tar.gz"]
    )


# Round trips ------------------------------------------------------------------


def test_backup_wipe_restore_brings_everything_back(installation):
    anna = hand_in(installation, "anna", "Mehr Bänke am Weiher")
    bert = hand_in(installation, "bert", "Ein Trinkbrunnen am Bahnhof")
    support(installation, "anna", bert)
    chat(installation, "anna", utcnow())
    made = make_backup(installation, None, None)
    wipe(installation)

    done = restore(installation, made.path)
    assert suggestion_of(installation, anna) == (
        "Mehr Bänke am Weiher",
        sender_key("anna", installation),
    )
    assert (count(installation, Suggestion), count(installation, Photo),
            count(installation, Support)) == (2, 2, 1)  # fmt: skip
    assert events_of(installation, "anna") == 3
    assert done.schema_to == head_revision() and done.reapplied.deletions == 0
    assert (
        oct(Path(make_url(installation.database_url).database).stat().st_mode & 0o777)
        == "0o600"
    )


def test_a_restore_does_not_overwrite_data_unasked(installation):
    hand_in(installation, "anna", "Mehr Bänke am Weiher")
    made = make_backup(installation, None, None)
    hand_in(installation, "bert", "Ein Trinkbrunnen am Bahnhof")
    with pytest.raises(BackupError, match=r"not empty.*--yes"):
        restore(installation, made.path)
    assert count(installation, Suggestion) == 2  # untouched
    restore(installation, made.path, overwrite=True)
    assert count(installation, Suggestion) == 1


def test_an_older_schema_is_migrated(tmp_path):
    settings = settings_for(tmp_path)
    upgrade(settings.database_url, "0015")
    made = make_backup(settings, None, None)
    assert made.manifest.schema_revision == "0015"
    wipe(settings)
    done = restore(settings, made.path)
    assert done.manifest.schema_revision == "0015" and done.schema_to == head_revision()
    with sqlite3.connect(make_url(settings.database_url).database) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
            head_revision()
        )
    assert check(settings, made.path).schema == "older"


def test_a_newer_schema_is_refused_before_anything_changes(installation):
    hand_in(installation, "anna", "Mehr Bänke am Weiher")
    with get_engine(installation.database_url).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    made = make_backup(installation, None, None)
    wipe(installation)
    with pytest.raises(BackupError, match="schema 0999, newer than this version's"):
        restore(installation, made.path)
    assert not Path(make_url(installation.database_url).database).exists()
    with pytest.raises(BackupError, match="newer"):
        check(installation, made.path)


# The deletion journal ---------------------------------------------------------


def test_deletions_after_the_backup_are_applied_again(installation):
    """GDPR: a restore must not bring back what citizens or staff deleted."""
    anna = hand_in(installation, "anna", "Mehr Bänke am Weiher")
    bert = hand_in(installation, "bert", "Ein Trinkbrunnen am Bahnhof")
    cleo = hand_in(installation, "cleo", "Radweg an der Lauter")
    dora = hand_in(installation, "dora", "Blumen am Markt", email="dora@example.org",
                   email_consent_at=utcnow())  # fmt: skip
    support(installation, "bert", anna)
    for sender in ("anna", "bert", "emil"):
        chat(installation, sender, utcnow() - timedelta(minutes=5))
    made = make_backup(installation, None, None)

    # After the backup: Bert deletes everything, Emil his conversation, staff
    # delete Cleo's suggestion, Dora unsubscribes.
    key = sender_key("bert", installation)
    in_transaction(installation.database_url,
                   lambda s: erasure.delete_everything(s, key, ()))  # fmt: skip
    journal(installation).record(EVERYTHING, key=key)
    journal(installation).record(CONVERSATION, key=sender_key("emil", installation))
    in_transaction(installation.database_url,
                   lambda s: review.delete(s, cleo, actor="anna"))  # fmt: skip
    journal(installation).record(SUGGESTION, reference=cleo)
    journal(installation).record(
        UNSUBSCRIBE, email_key=email_key("dora@example.org", installation)
    )
    wipe(installation)

    done = restore(installation, made.path)
    assert done.reapplied.deletions == 4
    assert suggestion_of(installation, bert) is None
    assert suggestion_of(installation, cleo) is None
    assert suggestion_of(installation, anna) is not None
    assert count(installation, Support) == 0  # Bert's support of Anna's idea
    assert in_transaction(installation.database_url, lambda s: s.scalars(
        select(Suggestion.email).where(Suggestion.reference == dora)).one()) is None  # fmt: skip
    recipients = in_transaction(installation.database_url, lambda s: set(
        s.scalars(select(Notification.recipient))))  # fmt: skip
    assert "bert" not in recipients and "anna" in recipients
    assert events_of(installation, "bert") == 0 and events_of(installation, "emil") == 0
    assert events_of(installation, "anna") == 3
    assert (done.conversations_erased, done.events_erased) == (2, 6)


def test_what_came_after_an_earlier_deletion_stays(installation):
    """A deletion journaled before the backup is in the backup already; the
    suggestion and the conversation the citizen began later are theirs."""
    old = utcnow() - timedelta(hours=2)
    chat(installation, "anna", old - timedelta(minutes=1))
    journal(installation).append(
        Deletion(old, EVERYTHING, sender_key("anna", installation))
    )
    chat(installation, "anna", old + timedelta(minutes=30))
    anna = hand_in(installation, "anna", "Mehr Bänke am Weiher")
    made = make_backup(installation, None, None)
    wipe(installation)
    restore(installation, made.path)
    assert suggestion_of(installation, anna) is not None
    assert events_of(installation, "anna") == 3  # the later conversation only


def test_a_conversation_rasa_erased_just_after_the_backup_began_is_erased(
    installation,
):
    """Rasa erases a conversation a moment after the journal line; a backup
    in that moment holds it."""
    chat(installation, "anna", utcnow() - timedelta(seconds=30))
    journal(installation).record(EVERYTHING, key=sender_key("anna", installation))
    made = make_backup(installation, None, None)  # the events are still there
    assert made.manifest.rows("events") == 3
    wipe(installation)
    done = restore(installation, made.path)
    assert events_of(installation, "anna") == 0
    assert done.reapplied.deletions == 0  # older than the backup: the database had it


def test_a_lost_or_pruned_journal_stops_the_restore(installation):
    made = make_backup(installation, None, None)
    wipe(installation)
    installation.deletion_journal.unlink()
    with pytest.raises(BackupError, match=r"there is none.*--journal-lost"):
        restore(installation, made.path)
    journal(installation).ensure()  # a new journal: not the backup's
    with pytest.raises(BackupError, match="it is another one"):
        restore(installation, made.path)
    done = restore(installation, made.path, journal_lost=True)
    assert any("NOT applied again" in note for note in done.notes)

    newer = make_backup(installation, str(installation.var_dir / "newer.tar.gz"), None)
    wipe(installation)
    journal(installation).prune(utcnow() + timedelta(seconds=1))
    journal(installation).record(EVERYTHING, key="k" * 64)
    journal(installation).prune(utcnow())
    with pytest.raises(BackupError, match="only reaches back to"):
        restore(installation, newer.path)


def test_another_secret_key_stops_the_restore(installation, tmp_path):
    made = make_backup(installation, None, None)
    wipe(installation)
    other = settings_for(tmp_path, SMARTCITY_SECRET_KEY="t" * 48)
    with pytest.raises(BackupError, match="secret key"):
        restore(other, made.path)
    assert any("secret key" in note for note in check(other, made.path).notes)


def test_the_conversations_must_be_where_they_were(installation, tmp_path):
    made = make_backup(installation, None, None)
    wipe(installation)
    shared = settings_for(tmp_path, TRACKER_STORE_URL=installation.database_url)
    with pytest.raises(BackupError, match="beside the city's database"):
        restore(shared, made.path)


# Encryption and damage --------------------------------------------------------


def test_an_encrypted_backup_needs_the_right_private_key(tmp_path, migrated_sqlite):
    identity = pyrage.x25519.Identity.generate()
    settings = settings_for(tmp_path, BACKUP_RECIPIENT=str(identity.to_public()))
    shutil.copyfile(migrated_sqlite, tmp_path / "city.db")
    reference = hand_in(settings, "anna", "Mehr Bänke am Weiher")
    made = make_backup(settings, None, None)
    assert made.path.name.endswith(".tar.gz.age")
    assert archive.is_encrypted(made.path)
    assert b"manifest.json" not in made.path.read_bytes()
    right, wrong = tmp_path / "right.key", tmp_path / "wrong.key"
    right.write_text(f"# created: today\n# public key: ...\n{identity}\n")
    wrong.write_text(f"{pyrage.x25519.Identity.generate()}\n")
    wipe(settings)

    with pytest.raises(BackupError, match="is encrypted: give the private key"):
        restore(settings, made.path)
    with pytest.raises(BackupError, match="cannot be decrypted with"):
        restore(settings, made.path, wrong)
    public = tmp_path / "public.txt"
    public.write_text(f"{identity.to_public()}\n")
    with pytest.raises(BackupError, match="holds no age private key"):
        restore(settings, made.path, public)
    restore(settings, made.path, right)
    assert suggestion_of(settings, reference) is not None
    assert not list(settings.var_dir.glob(".restore-*"))  # nothing decrypted left


def test_a_private_key_as_recipient_is_refused(tmp_path):
    from core.settings import SettingsError

    key = str(pyrage.x25519.Identity.generate())
    with pytest.raises(SettingsError, match="holds a private key"):
        settings_for(tmp_path, BACKUP_RECIPIENT=key)
    with pytest.raises(SettingsError, match="age public keys"):
        settings_for(tmp_path, BACKUP_RECIPIENT="ssh-ed25519 AAAA")
    with pytest.raises(SettingsError, match="must not exceed RETENTION_DAYS"):
        settings_for(tmp_path, BACKUP_KEEP_DAYS="60", RETENTION_DAYS="30")
    assert settings_for(tmp_path, RETENTION_DAYS="7").backup_keep_days == 7


@pytest.mark.parametrize("damage", ["flip", "cut", "not a backup"])
def test_a_damaged_file_is_refused(installation, damage):
    hand_in(installation, "anna", "Mehr Bänke am Weiher")
    made = make_backup(installation, None, None)
    data = bytearray(made.path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
    elif damage == "cut":
        del data[len(data) * 2 // 3 :]
    else:
        data = bytearray(b"hello, I am a text file\n" * 100)
    made.path.write_bytes(bytes(data))
    wipe(installation)
    with pytest.raises(BackupError, match=r"damaged|checksum|not a smartcity backup"):
        restore(installation, made.path)
    assert not Path(make_url(installation.database_url).database).exists()
    with pytest.raises(BackupError):
        check(installation, made.path)


def test_the_check_restores_elsewhere_and_leaves_the_live_database_alone(
    installation,
):
    hand_in(installation, "anna", "Mehr Bänke am Weiher")
    made = make_backup(installation, None, None)
    live = Path(make_url(installation.database_url).database)
    before = (live.stat().st_mtime_ns, live.read_bytes())
    checked = check(installation, made.path)
    assert checked.schema == "current" and checked.notes == []
    assert (live.stat().st_mtime_ns, live.read_bytes()) == before


def test_a_missing_pg_dump_is_named(monkeypatch, tmp_path):
    monkeypatch.setattr(postgres.shutil, "which", lambda _name: None)
    with pytest.raises(
        BackupError, match=r"pg_dump is not installed.*postgresql-client"
    ):
        postgres.copy_out("postgresql://postgres@127.0.0.1/x", tmp_path / "x")


# PostgreSQL ---------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_round_trip_with_the_conversations_in_the_same_database(
    tmp_path, postgres_url
):
    settings = settings_for(
        tmp_path, DATABASE_URL=postgres_url, TRACKER_STORE_URL=postgres_url
    )
    upgrade(postgres_url)
    with get_engine(postgres_url).begin() as connection:
        connection.execute(
            text(EVENTS_DDL.replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY"))
        )
    anna = hand_in(settings, "anna", "Mehr Bänke am Weiher")
    bert = hand_in(settings, "bert", "Ein Trinkbrunnen am Bahnhof")
    for sender in ("anna", "bert"):
        chat(settings, sender, utcnow())
    made = make_backup(settings, None, None)
    assert made.manifest.conversations_in_city
    assert [d.member for d in made.manifest.databases] == ["city.pgdump"]
    assert check(settings, made.path).schema == "current"

    key = sender_key("bert", settings)
    in_transaction(postgres_url, lambda s: erasure.delete_everything(s, key, ()))
    journal(settings).record(EVERYTHING, key=key)
    with pytest.raises(BackupError, match="not empty"):
        restore(settings, made.path)
    with get_engine(postgres_url).begin() as connection:  # the wipe
        connection.execute(text("DROP TABLE suggestions CASCADE"))
    get_engine(postgres_url).dispose()

    done = restore(settings, made.path, overwrite=True)
    assert suggestion_of(settings, anna) is not None
    assert suggestion_of(settings, bert) is None
    assert events_of(settings, "anna") == 3 and events_of(settings, "bert") == 0
    assert done.reapplied.suggestions == 1
    assert count(settings, Photo) == 1


@pytest.mark.postgres
def test_a_failed_postgres_restore_changes_nothing(tmp_path, postgres_url):
    settings = settings_for(
        tmp_path, DATABASE_URL=postgres_url, TRACKER_STORE_URL=postgres_url
    )
    upgrade(postgres_url)
    hand_in(settings, "anna", "Mehr Bänke am Weiher")
    dump = tmp_path / "broken.pgdump"
    dump.write_bytes(b"PGDMP this is not a dump")
    with pytest.raises(BackupError, match="pg_restore failed"):
        postgres.copy_in(dump, postgres_url)
    assert count(settings, Suggestion) == 1
