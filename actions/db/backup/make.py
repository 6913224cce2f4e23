"""`smartcity backup`: one file with every database and its manifest."""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from actions.db.backup import BackupError, archive
from actions.db.backup.manifest import (
    CITY,
    Manifest,
    StoredDatabase,
    model_fingerprint,
    software_version,
)
from actions.db.backup.stores import configured
from core.deletion_journal import DeletionJournal
from core.files import file_sha256, private_dir
from core.secret_key import key_check
from core.settings import Settings

WORK_PREFIX = ".smartcity-backup-"
# A backup killed midway leaves its unencrypted copies in a work folder;
# the next backup into the same folder removes them after this long.
LEFTOVER_AGE = timedelta(hours=12)


@dataclass
class Made:
    path: Path
    bytes: int
    seconds: float
    manifest: Manifest
    removed: list[Path]


def _target(settings: Settings, output: str | None, at: datetime) -> tuple[Path, bool]:
    """The file to write, and whether it goes into a folder of backups (whose
    old ones then go). `output`: a file, a folder (existing, or ending in
    "/"), or None for BACKUP_DIR."""
    name = archive.file_name(at, encrypted=bool(settings.backup_recipients))
    folder = settings.backup_dir if output is None else Path(output)
    if output is None or folder.is_dir() or output.endswith("/"):
        try:
            private_dir(folder)
        except OSError as error:
            raise BackupError(f"cannot make {folder}: {error.strerror}") from None
        return folder / name, True
    if folder.exists():
        raise BackupError(f"{folder} exists already; name a new file or a folder")
    if not folder.parent.is_dir():
        raise BackupError(f"there is no folder {folder.parent}")
    return folder, False


def _remove_leftovers(folder: Path, now: float) -> None:
    for path in folder.glob(f"{WORK_PREFIX}*"):
        if path.is_dir() and now - path.stat().st_mtime > LEFTOVER_AGE.total_seconds():
            shutil.rmtree(path, ignore_errors=True)


def make_backup(settings: Settings, output: str | None, model: Path | None) -> Made:
    """Copy every database (consistent while the assistant runs), write the
    backup file, and, in a folder of backups, remove those older than
    BACKUP_KEEP_DAYS. `model`: the Rasa model the assistant runs, if any."""
    began = time.monotonic()
    started_at = datetime.now(timezone.utc)
    target, in_folder = _target(settings, output, started_at)
    # Before the copy begins: every deletion journaled from now on is newer
    # than the backup and a restore applies it again.
    journal = DeletionJournal(settings.deletion_journal).ensure()
    stores, conversations_in_city = configured(settings)
    databases: list[StoredDatabase] = []
    members: dict[str, Path] = {}
    revision = None
    _remove_leftovers(target.parent, time.time())
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=WORK_PREFIX) as work:
        for store in stores:
            if not store.exists:
                continue  # Rasa has stored no conversation yet
            copy = Path(work) / store.member
            rows, store_revision = store.copy_out(copy)
            if store.role == CITY:
                revision = store_revision
            databases.append(StoredDatabase(
                store.role, store.kind, store.member, file_sha256(copy),
                copy.stat().st_size, rows,
            ))  # fmt: skip
            members[store.member] = copy
        if revision is None:
            raise BackupError(
                "DATABASE_URL has no schema yet: run `smartcity db upgrade` first"
            )
        manifest = Manifest(
            created_at=started_at,
            schema_revision=revision,
            journal_id=journal.id,
            journal_entries=len(journal.entries),
            key_check=key_check(settings),
            databases=databases,
            conversations_in_city=conversations_in_city,
            model=model_fingerprint(model),
            software=software_version(),
            finished_at=datetime.now(timezone.utc),
        )
        archive.write(target, manifest, members, settings.backup_recipients)
    removed = []
    if in_folder:
        removed = archive.remove_older(
            target.parent, settings.backup_keep_days, started_at
        )
    return Made(
        target, target.stat().st_size, time.monotonic() - began, manifest, removed
    )
