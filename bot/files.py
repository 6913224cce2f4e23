"""Runtime files hold personal data and keys: readable by the service only."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def private_dir(path: Path) -> Path:
    """Create `path` (mode 0700) if needed; an existing folder is tightened."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(PermissionError):
        os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> None:
    """Mode 0600 for a file that exists (and for SQLite's -wal and -shm beside it)."""
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.chmod(candidate, 0o600)
