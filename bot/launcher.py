"""Runs the action server, the Rasa server and the web app together.

Rasa and the action server listen on loopback only; the web app (with the
Telegram bot, when a token is set) is the one door to the outside. Ctrl-C (or
SIGTERM) stops all of them. One that dies (or a Rasa worker that dies) is
started again with backoff, logged and counted in smartcity_process_restarts;
one that keeps dying stops the assistant with exit code 1, so a half-running
assistant never goes unnoticed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot.plugins.deployed_model import deployed_path
from bot.staff.sessions import session_fernet
from core.files import make_runtime_private, private_dir
from core.secret_key import rasa_api_token
from core.settings import PROJECT_ROOT, Settings

logger = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 10


class LaunchError(RuntimeError):
    pass


# Rasa's own default is 100 queued connections; a burst of citizens is more.
SANIC_BACKLOG = "2048"


def child_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ACTION_ENDPOINT_URL=settings.action_url,
        TRACKER_STORE_URL=settings.tracker_store_url,
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL=env.get("TF_CPP_MIN_LOG_LEVEL", "2"),
        SANIC_WORKERS=str(settings.rasa_workers),
        SANIC_BACKLOG=SANIC_BACKLOG,
        RASA_API_TOKEN=rasa_api_token(settings),
    )
    if settings.lock_store_url:
        env["LOCK_STORE_URL"] = settings.lock_store_url
    return env


def endpoints_file(settings: Settings) -> Path:
    """endpoints.yml, plus a shared lock store when several Rasa processes run.

    LOCK_STORE_URL set: Redis, for several hosts. The written copy names the
    variable, not its value: Rasa substitutes it, so a password in the URL
    never lands in a file. Else, with RASA_WORKERS > 1: a SQLite file under
    var/, shared by the workers of this host.
    """
    source = PROJECT_ROOT / "endpoints.yml"
    if settings.lock_store_url:
        lock_store = (
            "bot.plugins.lock_store.RedisURLLockStore",
            "${LOCK_STORE_URL}",
            "set",
        )
    elif settings.rasa_workers > 1:
        url = json.dumps(f"sqlite:///{settings.var_dir.resolve() / 'locks.db'}")
        lock_store = "bot.plugins.lock_store.SQLiteLockStore", url, "unset"
    else:
        return source
    kind, url, why = lock_store
    target = private_dir(settings.var_dir) / "endpoints.yml"
    text = source.read_text(encoding="utf-8").rstrip("\n")
    text += (
        f"\n\n# Added by the launcher: RASA_WORKERS={settings.rasa_workers},"
        f" LOCK_STORE_URL {why}.\n"
        f"lock_store:\n  type: {kind}\n  url: {url}\n"
    )
    target.write_text(text, encoding="utf-8")
    return target


def find_model(model_path: Path) -> Path:
    if model_path.is_file():
        return model_path
    models = sorted(model_path.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise LaunchError(f"no trained model in {model_path}; run `make train` first")
    return models[-1]


def model_to_load(settings: Settings) -> Path:
    """The model `smartcity model deploy` deployed last (so that a restart
    keeps it), else the newest in RASA_MODEL."""
    return deployed_path(settings) or find_model(settings.model_path)


def warn_if_newer_trained(settings: Settings) -> None:
    """`make train` after a deploy: the record still wins, so say which runs."""
    deployed = deployed_path(settings)
    if deployed is None:
        return
    with contextlib.suppress(LaunchError, OSError):
        newest = find_model(settings.model_path)
        if newest.stat().st_mtime > deployed.stat().st_mtime:
            logger.warning(
                "Running the deployed model %s; %s is newer. "
                "`smartcity model deploy %s` switches to it.",
                deployed.name, newest, newest,
            )  # fmt: skip


def commands(settings: Settings) -> dict[str, list[str]]:
    return {
        "action server": [sys.executable, "-m", "actions.server"],
        "rasa": [
            sys.executable, "-m", "bot.plugins.rasa_main", "run",
            "--interface", settings.host,
            "--port", str(settings.rasa_port),
            "--model", str(model_to_load(settings)),
            "--endpoints", str(endpoints_file(settings)),
            "--credentials", str(PROJECT_ROOT / "credentials.yml"),
        ],
        "web app": [sys.executable, "-m", "bot.server"],
    }  # fmt: skip


def check_ports_free(settings: Settings) -> None:
    """Fail clearly if a port is taken, e.g. by an assistant that is still running;
    its health checks would otherwise pass for ours."""
    ports = {
        "RASA_PORT": (settings.host, settings.rasa_port),
        "ACTION_PORT": (settings.host, settings.action_port),
        "WEB_PORT": (settings.web_host, settings.web_port),
    }
    for variable, (host, port) in ports.items():
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError as error:
                raise LaunchError(
                    f"{host}:{port} ({variable}) is not available: {error.strerror}. "
                    f"Is the assistant already running? Otherwise set {variable}."
                ) from None


def is_up(url: str) -> bool:
    try:
        # The URL is built from settings as http://host:port, never from input.
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


# A crashed server is started again after 1, 2, 4 ... at most 30 s. One that
# ran for STABLE_SECONDS counts as healthy again; one that crashes more than
# MAX_RESTARTS times within RESTART_WINDOW gives up the whole assistant, so
# that systemd (or a person) sees a failure instead of a loop.
FIRST_BACKOFF, MAX_BACKOFF = 1.0, 30.0
STABLE_SECONDS = 60.0
MAX_RESTARTS, RESTART_WINDOW = 5, 300.0
WORKER_CHECK_SECONDS = 2.0


def children_of(pid: int) -> set[int]:
    """The processes whose parent is `pid` (from /proc; empty elsewhere)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (name) state ppid ...": the name may hold spaces and ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


@dataclass
class Child:
    """One server the launcher keeps running."""

    name: str
    command: list[str]
    env: dict[str, str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    crashes: list[float] = field(default_factory=list)
    restart_at: float | None = None
    workers: int = 0  # Sanic workers seen once ready; fewer means one died

    def start(self) -> None:
        # Own session: the launcher alone decides when children stop.
        self.process = subprocess.Popen(
            self.command, cwd=PROJECT_ROOT, env=self.env, start_new_session=True
        )
        self.started_at, self.restart_at, self.workers = time.monotonic(), None, 0

    def stopped(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def schedule_restart(self, now: float, why: str) -> bool:
        """Plan the next start with backoff; False when it crashes too often."""
        if now - self.started_at >= STABLE_SECONDS:
            self.crashes.clear()
        self.crashes = [t for t in self.crashes if now - t < RESTART_WINDOW]
        self.crashes.append(now)
        if len(self.crashes) > MAX_RESTARTS:
            logger.error("%s %s %d times within %d s; giving up", self.name, why,
                         len(self.crashes), RESTART_WINDOW)  # fmt: skip
            return False
        delay = min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** (len(self.crashes) - 1))
        logger.error("%s %s; starting it again in %.0f s", self.name, why, delay)
        self.restart_at = now + delay
        return True


def _stop(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for name, process in processes.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop in time; killing it", name)
            process.kill()
            process.wait()


def metrics_dir(settings: Settings) -> Path:
    """Where every child writes its metrics (core.metrics); emptied at each
    start, as prometheus-client's multiprocess mode requires."""
    directory = settings.var_dir / "metrics"
    shutil.rmtree(directory, ignore_errors=True)
    return private_dir(directory)


class Supervisor:
    """Starts the servers, and starts a crashed one again (with backoff)."""

    def __init__(self, settings: Settings, env: dict[str, str]) -> None:
        self.settings = settings
        self.children = {
            name: Child(name, command, env)
            for name, command in commands(settings).items()
        }
        self._next_worker_check = 0.0

    def start(self) -> None:
        for child in self.children.values():
            child.start()

    def step(self, now: float) -> bool:
        """One look at every child; False when the assistant must stop."""
        from core import metrics  # after PROMETHEUS_MULTIPROC_DIR is set

        for child in self.children.values():
            if child.restart_at is not None:
                if now >= child.restart_at:
                    metrics.process_restarts.labels(child.name).inc()
                    # Afresh: Rasa starts with the model deployed since.
                    child.command = commands(self.settings)[child.name]
                    child.start()
                continue
            why = None
            if child.stopped():
                why = f"stopped (exit code {child.process.returncode})"
                _forget(child.process.pid)
            elif child.name == "rasa" and now >= self._next_worker_check:
                why = self._lost_worker(child)
                if why:
                    _stop({child.name: child.process})
            if why and not child.schedule_restart(now, why):
                return False
        if now >= self._next_worker_check:
            self._next_worker_check = now + WORKER_CHECK_SECONDS
        return True

    def _lost_worker(self, rasa: Child) -> str | None:
        """Sanic does not replace a worker that died (e.g. killed for memory):
        the others serve on, with less room. Rasa is started again whole."""
        if self.settings.rasa_workers < 2:
            return None
        alive = len(children_of(rasa.process.pid))
        if alive > rasa.workers and is_up(f"{self.settings.rasa_url}/webhooks/rest/"):
            rasa.workers = alive  # the most seen once Rasa answers
        if 0 < alive < rasa.workers:
            return f"lost a worker ({alive} of {rasa.workers} left)"
        return None

    def processes(self) -> dict[str, subprocess.Popen]:
        return {n: c.process for n, c in self.children.items() if c.process}


def _forget(pid: int) -> None:
    from prometheus_client import multiprocess

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)


def run(settings: Settings) -> int:
    """Start the servers and supervise them until a signal, or until one
    crashes too often."""
    make_runtime_private(settings.var_dir)  # keys, SQLite files, the erasure journal
    # A bad STAFF_SESSION_KEY is one clear line here, not a traceback of the web app.
    session_fernet(settings)
    check_ports_free(settings)
    # Before core.metrics is first imported here: the launcher counts restarts too.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir(settings))
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set())
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    warn_if_newer_trained(settings)
    supervisor = Supervisor(settings, child_env(settings))
    exit_code = 0
    try:
        supervisor.start()
        health = (f"{settings.rasa_url}/webhooks/rest/", f"{settings.web_url}/healthz")
        announced = False
        while not stop.wait(0.5):
            if not supervisor.step(time.monotonic()):
                exit_code = 1
                break
            if not announced and all(is_up(url) for url in health):
                announced = True
                logger.info(
                    "Assistant ready. Web app: %s, REST channel: %s/webhooks/rest/webhook"
                    ", Telegram: %s - press Ctrl-C to stop.",
                    settings.web_url,
                    settings.rasa_url,
                    "on" if settings.telegram else "off (TELEGRAM_BOT_TOKEN unset)",
                )
    finally:
        _stop(supervisor.processes())
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return exit_code
