"""`smartcity model deploy FILE`: a new model on every worker of this host,
without a moment in which nobody answers.

1. Checks the model (bot/model_checks.py): archive, load, test stories, NLU gate.
2. Copies it into the model folder under a name of its own (`make train`
   overwrites models/smartcity.tar.gz; a rollback needs the file it left).
3. Writes the record var/model/deployed.json with a new serial. Each Rasa
   worker loads the model in turn and swaps it in (bot/plugins/model_switch.py);
   the launcher starts Rasa with the record's model from now on.
4. Waits until every running worker reports the new serial. A worker that
   cannot load it, stops, or takes too long: the previous model is written
   back (a rollback, with a serial of its own) and the command fails.

One host at a time: with several hosts, run it on each in turn (docs/operations.md).
"""

from __future__ import annotations

import json
import shutil
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bot.launcher import LaunchError, model_to_load
from bot.plugins import deployed_model as deployed
from bot.plugins.deployed_model import FAILED, LOADING, ModelRecord, WorkerStatus
from core.files import file_sha256, make_runtime_private
from core.settings import Settings

# A load takes 1-5 s on two cores; a worker that takes this long is stuck.
WORKER_TIMEOUT_SECONDS = 120.0
POLL_SECONDS = 0.2
# Deployed copies kept besides the current and the previous model.
KEEP_COPIES = 3
COPY_PREFIX = "deployed-"

Say = Callable[[str], None]
Check = Callable[[Path, Say], list[str]]


class DeployError(RuntimeError):
    """The deploy could not start (no such file, another deploy running)."""


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    seconds: float
    workers: int


def model_folder(settings: Settings) -> Path:
    """Where the launcher looks for models (RASA_MODEL, a folder or a file)."""
    path = settings.model_path
    return path if path.is_dir() or not path.suffix else path.parent


def model_id_of(path: Path) -> str | None:
    """Rasa's model_id from the archive's metadata (GET /status shows it)."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            member = archive.extractfile("metadata.json")
            return json.load(member).get("model_id") if member else None
    except (tarfile.TarError, OSError, EOFError, KeyError, ValueError):
        return None


def copy_into_models(settings: Settings, source: Path, sha256: str) -> Path:
    folder = model_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    target = folder / f"{COPY_PREFIX}{stamp}-{sha256[:12]}.tar.gz"
    if not target.exists():
        partial = folder / f".{target.name}.part"
        shutil.copyfile(source, partial)
        partial.replace(target)  # a worker never sees half a file
    return target


def kept_copy(settings: Settings, model: Path) -> Path:
    """`model` as a deployed copy: a rollback to models/smartcity.tar.gz would
    find what the next `make train` wrote there."""
    if model.name.startswith(COPY_PREFIX) and model.parent == model_folder(settings):
        return model
    return copy_into_models(settings, model, file_sha256(model))


def running_model(settings: Settings) -> Path | None:
    """The model this host runs now: the record's; else the one every running
    worker reports; else the one the launcher would start."""
    path = deployed.deployed_path(settings)
    if path is not None:
        return path
    reported = {s.path for s in deployed.live_statuses(settings) if s.path}
    if len(reported) == 1 and Path(next(iter(reported))).is_file():
        return Path(reported.pop())
    try:
        return model_to_load(settings)
    except LaunchError:
        return None


def next_serial(settings: Settings) -> int:
    """Above every serial a worker may know: a worker that still holds one
    equal to the new serial (after var/model/deployed.json was deleted)
    would not switch."""
    record = deployed.read_record(settings)
    known = [record.serial if record else 0]
    known += [max(s.serial, s.target) for s in deployed.read_statuses(settings)]
    return max(known) + 1


def publish(
    settings: Settings,
    path: Path,
    *,
    previous: str | None,
    source: str | None,
) -> ModelRecord:
    record = ModelRecord(
        serial=next_serial(settings),
        path=str(path.resolve()),
        sha256=file_sha256(path),
        model_id=model_id_of(path),
        deployed_at=time.time(),
        previous=previous,
        source=source,
    )
    deployed.write_record(settings, record)
    return record


def wait_for_workers(
    settings: Settings,
    serial: int,
    *,
    expected: set[int],
    timeout: float,
    say: Say = print,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """Until every running worker serves `serial`; fails as soon as one
    reports that it cannot load it, or one of `expected` stops."""
    began = clock()
    told: dict[int, str] = {}
    while True:
        live = {s.pid: s for s in deployed.live_statuses(settings)}
        for pid in sorted(expected - live.keys()):
            return Outcome(False, f"worker {pid} stopped during the switch",
                           clock() - began, len(live))  # fmt: skip
        for status in live.values():
            _tell_progress(status, serial, told, say)
            if status.state == FAILED and status.target == serial:
                return Outcome(False, f"worker {status.pid} could not load it: "
                               f"{status.error}", clock() - began, len(live))  # fmt: skip
        behind = sorted(pid for pid, s in live.items() if s.serial != serial)
        if not behind:
            return Outcome(True, "", clock() - began, len(live))
        if clock() - began > timeout:
            return Outcome(False, f"timed out after {timeout:.0f} s waiting for "
                           f"worker(s) {behind}", clock() - began, len(live))  # fmt: skip
        sleep(POLL_SECONDS)


def _tell_progress(status: WorkerStatus, serial: int, told: dict, say: Say) -> None:
    if status.serial == serial:
        news = (
            f"switched in {status.load_seconds:.1f} s"
            if status.load_seconds is not None and status.target == serial
            else "serves it"
        )
    elif status.state == LOADING and status.target == serial:
        news = "loading"
    else:
        return
    if told.get(status.pid) != news:
        told[status.pid] = news
        say(f"  worker {status.pid}: {news}")


def switch_to(
    settings: Settings,
    path: Path,
    *,
    previous: str | None,
    source: str | None,
    worker_timeout: float,
    say: Say,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    expected = {s.pid for s in deployed.live_statuses(settings)}
    record = publish(settings, path, previous=previous, source=source)
    if not expected:
        say("  no Rasa worker runs on this host; the next start uses this model")
        return Outcome(True, "", 0.0, 0)
    say(f"  serial {record.serial}: {len(expected)} worker(s) switch one at a time")
    return wait_for_workers(
        settings, record.serial, expected=expected,
        timeout=worker_timeout * len(expected), say=say, sleep=sleep,
    )  # fmt: skip


def deploy(
    settings: Settings,
    source: Path,
    *,
    check: Check | None,
    worker_timeout: float = WORKER_TIMEOUT_SECONDS,
    say: Say = print,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """0: every worker serves the model; 1: refused, or rolled back."""
    if not source.is_file():
        raise DeployError(f"{source} is not a file")
    make_runtime_private(settings.var_dir)
    with deployed.try_lock(deployed.deploy_lock(settings)) as mine:
        if not mine:
            raise DeployError("another `smartcity model deploy` runs on this host")
        if check is not None:
            say(f"checking {source}")
            problems = check(source, say)
            if problems:
                for problem in problems:
                    say(f"  FAIL: {problem}")
                say("refused: the assistant keeps its model")
                return 1
        else:
            say(f"not checking {source} (--skip-checks)")
        before = deployed.read_record(settings)
        previous = running_model(settings)  # before the copy: it may be newest
        if previous is not None:
            previous = kept_copy(settings, previous)
        target = copy_into_models(settings, source, file_sha256(source))
        say(f"deploying {target}")
        outcome = switch_to(
            settings, target, previous=str(previous) if previous else None,
            source=str(source.resolve()), worker_timeout=worker_timeout,
            say=say, sleep=sleep,
        )  # fmt: skip
        if outcome.ok:
            prune_copies(settings)
            if outcome.workers:
                say(f"done: {outcome.workers} worker(s) serve {target.name} "
                    f"(switch took {outcome.seconds:.1f} s)")  # fmt: skip
            return 0
        say(f"FAIL: {outcome.message}")
        if previous is None:
            say("no previous model to roll back to")
            return 1
        say(f"rolling back to {previous}")
        back = switch_to(
            settings, previous, previous=before.previous if before else None,
            source=None, worker_timeout=worker_timeout, say=say, sleep=sleep,
        )  # fmt: skip
        if back.ok:
            if target != previous:
                target.unlink(missing_ok=True)  # no worker serves it; the source stays
            say(f"rolled back: {back.workers} worker(s) serve {previous.name}")
        else:
            say(f"FAIL: the rollback too: {back.message}; restart the assistant "
                "(`smartcity run` starts the model in var/model/deployed.json)")  # fmt: skip
        return 1


def rollback(
    settings: Settings,
    *,
    worker_timeout: float = WORKER_TIMEOUT_SECONDS,
    say: Say = print,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Back to the model deployed before the current one (it ran already: no checks)."""
    record = deployed.read_record(settings)
    if record is None or not record.previous:
        raise DeployError("nothing to roll back to: no model was deployed before")
    previous = Path(record.previous)
    if not previous.is_file():
        raise DeployError(f"the previous model {previous} is gone")
    with deployed.try_lock(deployed.deploy_lock(settings)) as mine:
        if not mine:
            raise DeployError("another `smartcity model deploy` runs on this host")
        say(f"rolling back to {previous}")
        outcome = switch_to(
            settings, previous, previous=record.path, source=None,
            worker_timeout=worker_timeout, say=say, sleep=sleep,
        )  # fmt: skip
    if outcome.ok:
        say(f"done: {outcome.workers} worker(s) serve {previous.name}")
        return 0
    say(f"FAIL: {outcome.message}")
    return 1


def describe(settings: Settings, say: Say = print) -> int:
    """`smartcity model status`: the record and what each worker serves."""
    record = deployed.read_record(settings)
    if record is None:
        model = running_model(settings)
        say(f"nothing deployed; the launcher starts {model or 'no model (make train)'}")
    else:
        when = datetime.fromtimestamp(record.deployed_at, timezone.utc)
        say(f"deployed: serial {record.serial}, {record.path} "
            f"(model_id {record.model_id}, {when:%Y-%m-%d %H:%M:%S} UTC)")  # fmt: skip
        say(f"previous: {record.previous or '-'}")
    for status in deployed.live_statuses(settings):
        line = f"worker {status.pid}: serial {status.serial}, {status.path}"
        if status.state == FAILED:
            line += f"; could not load serial {status.target}: {status.error}"
        elif status.state == LOADING:
            line += f"; loading serial {status.target}"
        say(line)
    return 0


def prune_copies(settings: Settings) -> None:
    """Remove older deployed copies; keeps the current, the previous and the
    newest KEEP_COPIES."""
    record = deployed.read_record(settings)
    keep = {record.path, record.previous} if record else set()
    copies = sorted(
        model_folder(settings).glob(f"{COPY_PREFIX}*.tar.gz"),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in copies[KEEP_COPIES:]:
        if str(old.resolve()) not in keep:
            old.unlink(missing_ok=True)
