"""`smartcity restore`: a backup back into the configured databases, and
`--check`: the same into scratch databases, to prove a backup restores.

A restore checks everything it can before it changes anything: the file
(checksums, decryption), the schema (a newer one is refused), the secret key
(the pseudonyms must match), the deletion journal (it must reach back to the
backup) and that it overwrites nothing unasked. Then it loads each database,
migrates the schema, and deletes again what the journal says was deleted
after the backup was made. The retention purge follows (bot.cli).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from actions.db import erasure
from actions.db.backup import BackupError, archive, postgres, sqlite
from actions.db.backup.manifest import (
    CITY,
    Manifest,
    StoredDatabase,
    check_schema,
    describe_model,
    head_revision,
    model_fingerprint,
    same_model,
)
from actions.db.backup.stores import Store, configured
from actions.db.session import in_transaction, upgrade
from core.deletion_journal import Deletion, DeletionJournal, JournalState
from core.files import private_dir
from core.secret_key import email_key, key_check, sender_key
from core.settings import Settings


@dataclass
class Restored:
    manifest: Manifest
    schema_to: str
    reapplied: erasure.Reapplied
    conversations_erased: int = 0
    events_erased: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class Checked:
    manifest: Manifest
    schema: str  # "current" or "older"
    notes: list[str] = field(default_factory=list)


@contextlib.contextmanager
def _workdir(settings: Settings) -> Iterator[Path]:
    """Private room for the unpacked databases, beside the other runtime files."""
    private_dir(settings.var_dir)
    with tempfile.TemporaryDirectory(dir=settings.var_dir, prefix=".restore-") as work:
        yield Path(work)


def _key_problem(settings: Settings, manifest: Manifest) -> str | None:
    """Why the secret key cannot serve the backup; None if it can. Under
    another key its pseudonyms would match no citizen and no deletion."""
    if settings.secret_key_env is None and not settings.secret_key_file.exists():
        # Asking for the key would make a new one, which fits no backup.
        return (
            f"there is no secret key (neither SMARTCITY_SECRET_KEY nor "
            f"{settings.secret_key_file}): put the installation's key back first"
        )
    if key_check(settings) != manifest.key_check:
        return (
            "the secret key (SMARTCITY_SECRET_KEY, else "
            f"{settings.secret_key_file}) is not the one the backup was made "
            "with: its pseudonyms would match no citizen and no deletion. Put "
            "the installation's key back first"
        )
    return None


def _journal_problem(
    settings: Settings, manifest: Manifest, state: JournalState | None
) -> str | None:
    """Why the journal `state` cannot cover the backup; None if it can."""
    if state is None or state.id != manifest.journal_id:
        found = "there is none" if state is None else "it is another one"
        return (
            f"the deletion journal the backup was made with is not at "
            f"{settings.deletion_journal} ({found}; DELETION_JOURNAL names it): "
            "without it, citizens deleted after the backup would come back"
        )
    if state.pruned_before and state.pruned_before > manifest.created_at:
        return (
            f"the deletion journal only reaches back to "
            f"{state.pruned_before:%Y-%m-%d %H:%M} UTC, the backup is older "
            f"({manifest.created_at:%Y-%m-%d %H:%M} UTC): deletions in between "
            "cannot be applied again. Restore a newer backup"
        )
    return None


def _deletions(
    settings: Settings, manifest: Manifest, journal_lost: bool
) -> tuple[list[Deletion], list[str]]:
    """The journal's entries, after checking that they cover the backup."""
    state = DeletionJournal(settings.deletion_journal).read()
    problem = _journal_problem(settings, manifest, state)
    if problem and not journal_lost:
        raise BackupError(
            f"{problem}. If the journal is truly lost, --journal-lost restores "
            "anyway"
        )
    if problem:
        return [], [f"deletions after the backup are NOT applied again: {problem}"]
    notes = []
    if state.unreadable:
        notes.append(
            f"{state.unreadable} lines of the deletion journal are unreadable "
            "(cut short by a crash?); those deletions are not applied again"
        )
    return state.entries, notes


def _targets(
    settings: Settings, manifest: Manifest
) -> list[tuple[Store, StoredDatabase]]:
    """Each stored database with the database it goes into; refuses a layout
    other than the backup's."""
    stores, conversations_in_city = configured(settings)
    if manifest.conversations_in_city != conversations_in_city:
        where = "in" if manifest.conversations_in_city else "beside"
        raise BackupError(
            f"the backup keeps Rasa's conversations {where} the city's database, "
            "the configuration does not: set TRACKER_STORE_URL as it was when "
            "the backup was made"
        )
    pairs = []
    for store in stores:
        stored = manifest.database(store.role)
        if stored is None:
            continue  # no conversations in the backup: the store stays as it is
        if stored.kind != store.kind:
            raise BackupError(
                f"the backup holds a {stored.kind} database, {store.variable} "
                f"names a {store.kind} one: a restore cannot move between them"
            )
        pairs.append((store, stored))
    return pairs


def _model_note(manifest: Manifest, model: Path | None) -> str | None:
    current = model_fingerprint(model)
    if same_model(manifest.model, current):
        return None
    return (
        f"WARNING: the backup was made with the model {describe_model(manifest.model)}, "
        f"the assistant now has {describe_model(current)}: check that it is the "
        "one to run with this data (staff edits of answers, reviewed messages)"
    )


def restore(
    settings: Settings,
    file: Path,
    identity: Path | None = None,
    *,
    overwrite: bool = False,
    journal_lost: bool = False,
    model: Path | None = None,
) -> Restored:
    """Restore `file` into DATABASE_URL (and TRACKER_STORE_URL). The assistant
    must be stopped (the caller checks its ports)."""
    with _workdir(settings) as work:
        manifest, members = archive.open_backup(file, work, identity)
        check_schema(manifest.schema_revision)
        problem = _key_problem(settings, manifest)
        if problem:
            raise BackupError(problem)
        deletions, notes = _deletions(settings, manifest, journal_lost)
        targets = _targets(settings, manifest)
        occupied = [s.variable for s, _ in targets if not s.is_empty()]
        if occupied and not overwrite:
            names = " and ".join(occupied)
            raise BackupError(
                f"the database of {names} is not empty; a restore replaces it: "
                "stop the assistant, then run the restore again with --yes"
            )
        for store, stored in targets:
            store.copy_in(members[stored.member])
            if store.row_counts() != stored.rows:
                raise BackupError(
                    f"{store.variable}: the restored rows differ from the backup's"
                )
    upgrade(settings.database_url)
    since = [d for d in deletions if d.at >= manifest.created_at]
    reapplied = in_transaction(
        settings.database_url,
        lambda session: erasure.reapply(
            session,
            since,
            lambda sender: sender_key(sender, settings),
            lambda address: email_key(address, settings),
        ),
    )
    chats, events = erasure.erase_conversations_again(
        settings.tracker_store_url,
        deletions,
        lambda sender: sender_key(sender, settings),
    )
    note = _model_note(manifest, model)
    return Restored(
        manifest, head_revision(), reapplied, chats, events,
        notes + ([note] if note else []),
    )  # fmt: skip


def check(
    settings: Settings,
    file: Path,
    identity: Path | None = None,
    model: Path | None = None,
) -> Checked:
    """Unpack, restore each database into a scratch one, compare its rows
    with the manifest's and migrate it; the live databases stay untouched.
    Notes say what a restore here would still refuse or warn about."""
    with _workdir(settings) as work:
        manifest, members = archive.open_backup(file, work, identity)
        schema = check_schema(manifest.schema_revision)
        for stored in manifest.databases:
            _check_database(settings, stored, members[stored.member])
    notes = []
    problem = _key_problem(settings, manifest)
    if problem:
        notes.append(f"a restore here would refuse: {problem}")
    state = DeletionJournal(settings.deletion_journal).read()
    problem = _journal_problem(settings, manifest, state)
    if problem:
        notes.append(f"a restore here would refuse: {problem}")
    note = _model_note(manifest, model)
    if note:
        notes.append(note)
    return Checked(manifest, schema, notes)


def _check_database(settings: Settings, stored: StoredDatabase, path: Path) -> None:
    if stored.kind == "sqlite":
        sqlite.integrity(path)
        _same_rows(stored, sqlite.row_counts(path))
        if stored.role == CITY:
            upgrade(f"sqlite:///{path}")  # the migrations run on the copy
        return
    server = _postgres_server(settings, stored.role)
    with postgres.scratch_database(server) as scratch:
        postgres.copy_in(path, scratch)
        _same_rows(stored, postgres.row_counts(scratch))
        if stored.role == CITY:
            upgrade(scratch)


def _postgres_server(settings: Settings, role: str) -> str:
    """Where a scratch database can be made: the server of the role's own
    database, else of the other one."""
    urls = [settings.database_url, settings.tracker_store_url]
    for url in urls if role == CITY else urls[::-1]:
        if url.startswith("postgresql"):
            return url
    raise BackupError(
        f"the backup's {role} database is PostgreSQL: its check needs a PostgreSQL "
        "server, through DATABASE_URL or TRACKER_STORE_URL"
    )


def _same_rows(stored: StoredDatabase, found: dict[str, int]) -> None:
    if found != stored.rows:
        differ = sorted(
            t
            for t in set(found) | set(stored.rows)
            if found.get(t) != stored.rows.get(t)
        )
        raise BackupError(
            f"the {stored.role} database restores with other row counts than the "
            f"backup's manifest ({', '.join(differ)})"
        )
