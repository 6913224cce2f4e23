"""manifest.json: what a backup holds, and what a restore must check first.

Besides the databases (kind, file in the archive, sha256, rows per table) it
records the schema revision (a restore migrates an older one and refuses a
newer one), the deletion journal's id and the time the copy began (a restore
applies every deletion since), a fingerprint of the secret key (pseudonyms
only match under the same key) and the Rasa model the assistant ran.
"""

from __future__ import annotations

import importlib.metadata
import json
import tarfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError

from actions.db.backup import BackupError
from actions.db.session import alembic_config
from core.files import file_sha256

NAME = "manifest.json"
FORMAT = "smartcity-backup"
FORMAT_VERSION = 1
CITY = "city"  # the project database (DATABASE_URL)
CONVERSATIONS = "conversations"  # Rasa's tracker store (TRACKER_STORE_URL)
KINDS = ("sqlite", "postgresql")


@dataclass
class StoredDatabase:
    role: str  # CITY or CONVERSATIONS
    kind: str  # "sqlite" or "postgresql"
    member: str  # its file in the archive
    sha256: str = ""
    bytes: int = 0
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class Manifest:
    created_at: datetime  # when the copy began: later deletions are re-applied
    schema_revision: str
    journal_id: str
    journal_entries: int
    key_check: str  # core.secret_key.key_check
    databases: list[StoredDatabase]
    # Rasa's conversations were tables of the city database, not a database of their own.
    conversations_in_city: bool = False
    model: dict | None = None  # model_fingerprint()
    software: str = ""
    finished_at: datetime | None = None
    format_version: int = FORMAT_VERSION

    def database(self, role: str) -> StoredDatabase | None:
        return next((d for d in self.databases if d.role == role), None)

    def rows(self, table: str) -> int:
        return sum(d.rows.get(table, 0) for d in self.databases)

    def to_json(self) -> bytes:
        data = asdict(self)
        data["format"] = FORMAT
        for name in ("created_at", "finished_at"):
            data[name] = data[name] and data[name].isoformat()
        return json.dumps(data, indent=2, sort_keys=True).encode() + b"\n"

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.pop("format") != FORMAT:
                raise ValueError("not a smartcity backup")
            if data["format_version"] > FORMAT_VERSION:
                raise BackupError(
                    f"the backup has format {data['format_version']}; this version "
                    f"reads up to {FORMAT_VERSION}: restore it with a newer version"
                )
            data["databases"] = [_stored(d) for d in data["databases"]]
            for name in ("created_at", "finished_at"):
                data[name] = data[name] and datetime.fromisoformat(data[name])
            return cls(**data)
        except (KeyError, TypeError, ValueError) as error:
            raise BackupError(f"the backup's manifest is unreadable: {error}") from None


def member_name(role: str, kind: str) -> str:
    return f"{role}.sqlite3" if kind == "sqlite" else f"{role}.pgdump"


def _stored(data: dict) -> StoredDatabase:
    """A database entry; its file name is one of ours, never a path (the
    manifest comes from the file being read)."""
    stored = StoredDatabase(**data)
    if stored.role not in (CITY, CONVERSATIONS) or stored.kind not in KINDS:
        raise ValueError(f"unknown database {stored.role!r} ({stored.kind!r})")
    if stored.member != member_name(stored.role, stored.kind):
        raise ValueError(f"unexpected file name {stored.member!r}")
    return stored


def software_version() -> str:
    try:
        return importlib.metadata.version("herzlich-digital-assistant")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# Schema revisions (Alembic) ---------------------------------------------------


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str:
    return _scripts().get_current_head()


def check_schema(revision: str | None) -> str:
    """ "current" or "older" (a restore migrates it); a BackupError for a
    revision this version does not know: a newer version made it."""
    if revision is None:
        raise BackupError("the backed-up database has no schema version")
    if revision == head_revision():
        return "current"
    try:
        known = _scripts().get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupError(
            f"the backup has schema {revision}, newer than this version's "
            f"{head_revision()}: restore it with the version that made it "
            f"(or a newer one), not with this one"
        )
    return "older"


# The Rasa model ---------------------------------------------------------------


def model_fingerprint(path: Path | None) -> dict | None:
    """The model the assistant runs: its file's name and sha256, and Rasa's
    own id and training time from metadata.json in the archive. Rasa's id
    names one training (a retraining of the same data gets a new one); the
    sha256 names the very file."""
    if path is None or not path.is_file():
        return None
    found = {"file": path.name, "sha256": file_sha256(path)}
    try:
        with tarfile.open(path, "r:gz") as archive:
            member = archive.extractfile("metadata.json")
            metadata = json.load(member) if member else {}
        found["rasa_model_id"] = metadata.get("model_id")
        found["trained_at"] = metadata.get("trained_at")
    except (OSError, KeyError, ValueError, tarfile.TarError):
        pass  # not a Rasa 3 archive: the sha256 still names it
    return found


def same_model(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.get("sha256") == b.get("sha256")


def describe_model(model: dict | None) -> str:
    if model is None:
        return "no model"
    trained = f", trained {model['trained_at'][:16]}" if model.get("trained_at") else ""
    return f"{model['file']} (Rasa id {model.get('rasa_model_id') or '?'}{trained})"
