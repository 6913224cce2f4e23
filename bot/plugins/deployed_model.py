"""Which model this host's Rasa workers should run, and what each one runs.

Files under `var/model/`, so that `smartcity model deploy` (bot/model_deploy.py),
the launcher and every Rasa worker (bot/plugins/model_switch.py) agree without
talking to each other over HTTP (a request to Rasa's port reaches whichever
worker accepts it, never a chosen one):

- `deployed.json`: the record of the deployed model. A new serial means
  "switch"; the launcher starts Rasa with its path.
- `workers/<pid>.json`: each worker's status: the serial and model it serves,
  whether it is loading one or failed to.
- `switch.lock`: held by the one worker that is loading a model, so that the
  others keep answering meanwhile; `deploy.lock`: one deploy at a time.

Only the standard library here: the launcher imports this, and must not wait
for Rasa's imports.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.files import private_dir
from core.settings import Settings

OK, LOADING, FAILED = "ok", "loading", "failed"


@dataclass(frozen=True)
class ModelRecord:
    """The model every worker of this host should serve."""

    serial: int
    path: str
    sha256: str
    model_id: str | None = None
    deployed_at: float = 0.0
    # What ran before: `smartcity model rollback` goes back to it.
    previous: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class WorkerStatus:
    """What one Rasa worker serves (serial 0: a model it was started with that
    no record names), and what it does about the record's serial (`target`)."""

    pid: int
    started: str
    serial: int
    path: str | None
    sha256: str | None
    state: str = OK
    target: int = 0
    error: str | None = None
    load_seconds: float | None = None
    updated_at: float = field(default_factory=time.time)


def model_var(settings: Settings) -> Path:
    return settings.var_dir / "model"


def record_file(settings: Settings) -> Path:
    return model_var(settings) / "deployed.json"


def workers_dir(settings: Settings) -> Path:
    return model_var(settings) / "workers"


def status_file(settings: Settings, pid: int) -> Path:
    return workers_dir(settings) / f"{pid}.json"


def read_record(settings: Settings) -> ModelRecord | None:
    """None when nothing was ever deployed (or the file cannot be read)."""
    data = _read_json(record_file(settings))
    try:
        return ModelRecord(**data) if data else None
    except TypeError:
        return None


def write_record(settings: Settings, record: ModelRecord) -> None:
    _write_json(record_file(settings), asdict(record))


def deployed_path(settings: Settings) -> Path | None:
    """The deployed model's file, if there is a record and the file is there."""
    record = read_record(settings)
    if record is None or not Path(record.path).is_file():
        return None
    return Path(record.path)


def write_status(settings: Settings, status: WorkerStatus) -> None:
    _write_json(status_file(settings, status.pid), asdict(status))


def remove_status(settings: Settings, pid: int) -> None:
    status_file(settings, pid).unlink(missing_ok=True)


def read_statuses(settings: Settings) -> list[WorkerStatus]:
    statuses = []
    folder = workers_dir(settings)
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        data = _read_json(path)
        with contextlib.suppress(TypeError):
            statuses.append(WorkerStatus(**data))
    return statuses


def live_statuses(settings: Settings) -> list[WorkerStatus]:
    """The statuses of workers that still run; files of stopped ones are removed
    (a worker killed without its stop listener leaves its file behind)."""
    live = []
    for status in read_statuses(settings):
        if is_running(status.pid, status.started):
            live.append(status)
        else:
            remove_status(settings, status.pid)
    return live


def process_started(pid: int) -> str:
    """When the process started (in clock ticks since boot): with the pid, it
    tells a worker from a later process that got the same pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    # The command name in parentheses may hold spaces; fields follow the last ")".
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


def is_running(pid: int, started: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it runs
    stat = Path(f"/proc/{pid}/stat")
    if not stat.parent.is_dir():
        return True  # no /proc: the pid is all there is
    with contextlib.suppress(OSError):
        if stat.read_text().rsplit(")", 1)[-1].split()[0] == "Z":
            return False  # a dead worker its parent has not reaped yet
    return not started or process_started(pid) == started


@contextlib.contextmanager
def try_lock(path: Path) -> Iterator[bool]:
    """Yields True while this process holds the lock file, False if another
    one does. flock: the kernel releases it when its holder dies."""
    private_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def switch_lock(settings: Settings) -> Path:
    return model_var(settings) / "switch.lock"


def deploy_lock(settings: Settings) -> Path:
    return model_var(settings) / "deploy.lock"


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: dict) -> None:
    """Whole or not at all: readers poll these files while they are replaced."""
    private_dir(path.parent)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
