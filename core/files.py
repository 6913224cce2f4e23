"""Runtime files hold personal data and keys: readable by the service only."""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path


def private_dir(path: Path) -> Path:
    """Create `path` with mode 0700 if it is missing.

    An existing folder keeps its mode: it may be a shared one such as /tmp or
    /srv that a database URL points into (see make_runtime_private for var/).
    """
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def make_runtime_private(var_dir: Path) -> None:
    """Mode 0700 for our var/ (also when an older version made it), and umask
    077 for this process and its children: what they create (SQLite files and
    their -wal, keys, the erasure journal) is for the service's user only."""
    os.umask(0o077)
    private_dir(var_dir)
    with contextlib.suppress(PermissionError):
        os.chmod(var_dir, 0o700)


def private_file(path: Path) -> None:
    """Mode 0600 for a file that exists (and for SQLite's -wal and -shm beside it)."""
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.chmod(candidate, 0o600)


def fsync_dir(path: Path) -> None:
    """A new or renamed file survives a power cut only once its folder is synced."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_sha256(path: Path) -> str:
    """The file's SHA-256, read a megabyte at a time (models, backups)."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
