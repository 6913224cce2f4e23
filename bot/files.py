"""Runtime files hold personal data and keys: readable by the service only."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def private_dir(path: Path) -> Path:
    """Create `path` with mode 0700 if it is missing.

    An existing folder keeps its mode: it may be a shared one such as /tmp or
    /srv that a database URL points into. `tighten` is for our own var/.
    """
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def tighten(path: Path) -> None:
    """Our own runtime folder (SMARTCITY_VAR_DIR), also when made by an older version."""
    private_dir(path)
    with contextlib.suppress(PermissionError):
        os.chmod(path, 0o700)


def private_file(path: Path) -> None:
    """Mode 0600 for a file that exists (and for SQLite's -wal and -shm beside it)."""
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.chmod(candidate, 0o600)
