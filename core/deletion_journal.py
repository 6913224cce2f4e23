"""The deletion journal: every deletion a citizen or staff asked for, kept
outside the databases, so that a restore of an older backup deletes it again.

A restore overwrites the databases with their state at the time of the
backup; whatever was deleted since would come back (GDPR Art. 17 forbids
that). So each deletion is also appended here, one JSON line each, and
`smartcity restore` re-applies every line newer than the backup.

The file names no one: a citizen by their pseudonym (core.secret_key's HMAC
of the chat id), an e-mail address by its keyed hash, a suggestion by its
reference. It is private all the same (mode 0600): a pseudonym is personal
data as long as the key exists.

The first line is a header with the journal's id; a backup records it, so a
restore notices a lost or foreign journal. Appends and the pruning of old
lines take a lock file beside the journal, so several processes (the action
server, the web app, the command line) can write it at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from core.files import fsync_dir, private_dir

# What a line records; see actions.db.erasure for what each one deletes again.
EVERYTHING = "everything"  # "Meine Daten löschen": all of a sender's data
CONVERSATION = "conversation"  # "Nur den Verlauf löschen"
SUGGESTION = "suggestion"  # staff or `smartcity suggestions delete`, by reference
UNSUBSCRIBE = "unsubscribe"  # an e-mail address taken back via the link in a mail
KINDS = (EVERYTHING, CONVERSATION, SUGGESTION, UNSUBSCRIBE)
HEADER = "smartcity deletion journal"

logger = logging.getLogger(__name__)


class JournalError(OSError):
    """The journal cannot be read or written."""


@dataclass(frozen=True)
class Deletion:
    at: datetime
    kind: str
    # The sender's pseudonym (everything, conversation).
    key: str | None = None
    # Rating offers shown in the conversation: ratings from before their
    # pseudonym was stored (migration 0015) are found by these only.
    offers: tuple[str, ...] = ()
    reference: str | None = None  # suggestion
    email_key: str | None = None  # unsubscribe: core.secret_key.email_key

    def as_json(self) -> str:
        line = {"at": _iso(self.at), "kind": self.kind}
        for name in ("key", "reference", "email_key"):
            if getattr(self, name):
                line[name] = getattr(self, name)
        if self.offers:
            line["offers"] = sorted(self.offers)
        return json.dumps(line, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: dict) -> Deletion:
        kind = data["kind"]
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        return cls(
            at=_parse_time(data["at"]),
            kind=kind,
            key=data.get("key"),
            offers=tuple(data.get("offers") or ()),
            reference=data.get("reference"),
            email_key=data.get("email_key"),
        )


@dataclass
class JournalState:
    """What a read found: the header's id, how far pruning reached, the entries
    in order, and how many lines could not be read (a crash mid-write)."""

    id: str
    created_at: datetime
    pruned_before: datetime | None = None
    entries: list[Deletion] = field(default_factory=list)
    unreadable: int = 0

    def since(self, moment: datetime) -> list[Deletion]:
        return [entry for entry in self.entries if entry.at >= moment]


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"time without offset: {text!r}")
    return moment.astimezone(timezone.utc)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _header(journal_id: str, created_at: datetime, pruned_before=None) -> str:
    line = {"journal": HEADER, "version": 1, "id": journal_id,
            "created_at": _iso(created_at)}  # fmt: skip
    if pruned_before is not None:
        line["pruned_before"] = _iso(pruned_before)
    return json.dumps(line, separators=(",", ":"))


class DeletionJournal:
    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def _lock_path(self) -> Path:
        # Not the journal itself: pruning replaces that file, and a writer
        # waiting on the old one's lock would then append to a deleted file.
        return self.path.with_name(self.path.name + ".lock")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            private_dir(self.path.parent)
            fd = os.open(self._lock_path, os.O_WRONLY | os.O_CREAT, 0o600)
        except OSError as error:
            raise JournalError(f"deletion journal {self.path}: {error}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def append(self, deletion: Deletion) -> None:
        """Add one line, durably (fsync) before returning."""
        if deletion.kind not in KINDS:
            raise ValueError(f"unknown kind {deletion.kind!r}")
        with self._locked():
            self._write_lines([deletion.as_json()])

    def record(self, kind: str, **fields) -> Deletion:
        """Append a deletion that happened just now; returns it."""
        deletion = Deletion(at=_now(), kind=kind, **fields)
        self.append(deletion)
        return deletion

    def ensure(self) -> JournalState:
        """The journal as it is, made (with its header) if it is missing."""
        with self._locked():
            if not self.path.exists():
                self._write_lines([])
            return self._read()

    def read(self) -> JournalState | None:
        """None if there is no journal file."""
        with self._locked():
            return self._read() if self.path.exists() else None

    def prune(self, before: datetime) -> int:
        """Drop entries older than `before`; the header then says so, and a
        restore refuses a backup older than that. The number dropped."""
        with self._locked():
            if not self.path.exists():
                return 0
            state = self._read()
            kept = [entry for entry in state.entries if entry.at >= before]
            dropped = len(state.entries) - len(kept)
            if dropped == 0:
                return 0
            header = _header(state.id, state.created_at, before)
            self._replace([header, *(entry.as_json() for entry in kept)])
            return dropped

    # Under the lock only ------------------------------------------------------

    def _write_lines(self, lines: Iterable[str]) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as error:
            raise JournalError(f"deletion journal {self.path}: {error}") from None
        try:
            size = os.fstat(fd).st_size
            text = "".join(f"{line}\n" for line in lines)
            if size == 0:
                text = _header(uuid.uuid4().hex, _now()) + "\n" + text
            elif not self._ends_with_newline(fd, size):
                text = "\n" + text  # a crash cut the last line: start afresh
            os.write(fd, text.encode())
            os.fsync(fd)
        except OSError as error:
            raise JournalError(f"deletion journal {self.path}: {error}") from None
        finally:
            os.close(fd)
        if size == 0:
            fsync_dir(self.path.parent)

    @staticmethod
    def _ends_with_newline(fd: int, size: int) -> bool:
        return os.pread(fd, 1, size - 1) == b"\n"

    def _replace(self, lines: list[str]) -> None:
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write("".join(f"{line}\n" for line in lines))
                out.flush()
                os.fsync(out.fileno())
            temporary.replace(self.path)
            fsync_dir(self.path.parent)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise JournalError(f"deletion journal {self.path}: {error}") from None

    def _read(self) -> JournalState:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise JournalError(f"deletion journal {self.path}: {error}") from None
        lines = text.splitlines()
        try:
            header = json.loads(lines[0])
            if header.get("journal") != HEADER:
                raise ValueError("no header")
            state = JournalState(
                id=header["id"], created_at=_parse_time(header["created_at"])
            )
            if header.get("pruned_before"):
                state.pruned_before = _parse_time(header["pruned_before"])
        except (IndexError, KeyError, TypeError, ValueError):
            raise JournalError(
                f"{self.path} is not a deletion journal (its first line is no "
                "journal header)"
            ) from None
        for line in lines[1:]:
            if not line.strip():
                continue
            try:
                state.entries.append(Deletion.from_json(json.loads(line)))
            except (KeyError, TypeError, ValueError):
                state.unreadable += 1
        return state


def note(path: Path, kind: str, **fields) -> bool:
    """Journal a deletion that has just happened. It stays done if the journal
    cannot be written (the person asked for it): then an ERROR says that a
    restore would bring it back, and the result is False."""
    try:
        DeletionJournal(path).record(kind, **fields)
    except OSError as error:
        logger.error(
            "A deletion (%s) is not in the deletion journal: %s. A restore of "
            "an older backup would bring it back.",
            kind,
            error,
        )
        return False
    return True
