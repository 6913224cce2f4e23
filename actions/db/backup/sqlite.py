"""SQLite databases out of and back into their files, with SQLite's online
backup API: a consistent copy while the assistant writes (WAL lets it go on),
and a restore that replaces the content in one transaction."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

from actions.db.backup import BackupError
from actions.db.backup.tables import count_query
from core.files import private_dir, private_file

BUSY_TIMEOUT_SECONDS = 30


def path_of(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"{url}: an in-memory SQLite database cannot be backed up")
    return Path(database)


@contextlib.contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        yield connection
    finally:
        connection.close()


def _tables(connection: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]


def row_counts(path: Path) -> dict[str, int]:
    with _connect(path) as connection:
        return {
            table: connection.execute(count_query(table)).fetchone()[0]
            for table in _tables(connection)
        }


def schema_revision(path: Path) -> str | None:
    with _connect(path) as connection:
        if "alembic_version" not in _tables(connection):
            return None
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def copy_out(url: str, target: Path) -> None:
    """A consistent copy of the database at `url` in the file `target`, on
    its own (no -wal beside it)."""
    source = path_of(url)
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    try:
        with _connect(source) as live, _connect(target) as copy:
            live.backup(copy)  # in one step: one snapshot of the whole file
            copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as error:
        raise BackupError(f"cannot copy {source}: {error}") from None


def integrity(path: Path) -> None:
    try:
        with _connect(path) as connection:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as error:
        raise BackupError(f"{path.name} is no sound SQLite database: {error}") from None
    if result != "ok":
        raise BackupError(f"{path.name} fails SQLite's integrity check: {result}")


def is_empty(url: str) -> bool:
    path = path_of(url)
    if not path.is_file() or path.stat().st_size == 0:
        return True
    with _connect(path) as connection:
        return not _tables(connection)


def copy_in(source: Path, url: str) -> None:
    """Replace the database at `url` with the copy `source`, in one
    transaction of the target (a failure leaves it as it was)."""
    target = path_of(url)
    private_dir(target.parent)
    try:
        with _connect(source) as backup, _connect(target) as live:
            backup.backup(live)
    except sqlite3.Error as error:
        raise BackupError(f"cannot restore into {target}: {error}") from None
    private_file(target)
