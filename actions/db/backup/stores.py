"""The databases a backup holds, and the copy out of and into each, by kind.

The city's database (DATABASE_URL) always; Rasa's conversations
(TRACKER_STORE_URL) as a database of their own when they are one. When both
URLs name the same database, its one copy holds the conversations too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from actions.db.backup import BackupError, postgres, sqlite
from actions.db.backup.manifest import CITY, CONVERSATIONS
from core.settings import Settings

KINDS = ("sqlite", "postgresql")
VARIABLES = {CITY: "DATABASE_URL", CONVERSATIONS: "TRACKER_STORE_URL"}


@dataclass(frozen=True)
class Store:
    role: str  # CITY or CONVERSATIONS
    url: str

    @property
    def kind(self) -> str:
        try:
            kind = make_url(self.url).get_backend_name()
        except ArgumentError:
            kind = "unknown"
        if kind not in KINDS:
            raise BackupError(
                f"{self.variable}: only SQLite and PostgreSQL can be backed up, "
                f"not {kind}"
            )
        return kind

    @property
    def variable(self) -> str:
        return VARIABLES[self.role]

    @property
    def member(self) -> str:
        return (
            f"{self.role}.sqlite3" if self.kind == "sqlite" else f"{self.role}.pgdump"
        )

    @property
    def exists(self) -> bool:
        """False for a SQLite file not made yet (Rasa has not run)."""
        return self.kind != "sqlite" or sqlite.path_of(self.url).is_file()

    def copy_out(self, target: Path) -> tuple[dict[str, int], str | None]:
        """The copy in `target`; its rows per table and schema revision."""
        if self.kind == "postgresql":
            return postgres.copy_out(self.url, target)
        sqlite.copy_out(self.url, target)
        return sqlite.row_counts(target), sqlite.schema_revision(target)

    def copy_in(self, source: Path) -> None:
        if self.kind == "postgresql":
            postgres.copy_in(source, self.url)
        else:
            sqlite.copy_in(source, self.url)

    def is_empty(self) -> bool:
        if self.kind == "postgresql":
            return postgres.is_empty(self.url)
        return sqlite.is_empty(self.url)

    def row_counts(self) -> dict[str, int]:
        if self.kind == "postgresql":
            return postgres.row_counts(self.url)
        return sqlite.row_counts(sqlite.path_of(self.url))


def same_database(first: str, second: str) -> bool:
    a, b = make_url(first), make_url(second)
    if a.get_backend_name() != b.get_backend_name():
        return False
    if a.get_backend_name() == "sqlite":
        return Path(a.database or "").resolve() == Path(b.database or "").resolve()
    return (a.host, a.port or 5432, a.database) == (b.host, b.port or 5432, b.database)


def configured(settings: Settings) -> tuple[list[Store], bool]:
    """The databases as configured now, and whether Rasa's conversations live
    in the city's database."""
    city = Store(CITY, settings.database_url)
    if same_database(settings.database_url, settings.tracker_store_url):
        return [city], True
    return [city, Store(CONVERSATIONS, settings.tracker_store_url)], False
