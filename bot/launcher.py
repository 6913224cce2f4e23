"""Runs the action server, the Rasa server and the web app together.

Rasa and the action server listen on loopback only; the web app (with the
Telegram bot, when a token is set) is the one door to the outside. Ctrl-C (or
SIGTERM) stops all of them; if one dies, the others are stopped too, so a
half-running assistant never goes unnoticed.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

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


def commands(settings: Settings) -> dict[str, list[str]]:
    return {
        "action server": [sys.executable, "-m", "actions.server"],
        "rasa": [
            sys.executable, "-m", "bot.plugins.rasa_main", "run",
            "--interface", settings.host,
            "--port", str(settings.rasa_port),
            "--model", str(find_model(settings.model_path)),
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


def run(settings: Settings) -> int:
    """Start the servers and supervise them until a signal or a crash."""
    make_runtime_private(settings.var_dir)  # keys, SQLite files, the erasure journal
    # A bad STAFF_SESSION_KEY is one clear line here, not a traceback of the web app.
    session_fernet(settings)
    check_ports_free(settings)
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set())
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    processes: dict[str, subprocess.Popen] = {}
    exit_code = 0
    try:
        env = child_env(settings)
        for name, command in commands(settings).items():
            # Own session: the launcher alone decides when children stop.
            processes[name] = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, start_new_session=True
            )
        health = (f"{settings.rasa_url}/webhooks/rest/", f"{settings.web_url}/healthz")
        announced = False
        while not stop.wait(0.5):
            crashed = [n for n, p in processes.items() if p.poll() is not None]
            if crashed:
                logger.error(
                    "%s stopped unexpectedly; shutting down", ", ".join(crashed)
                )
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
        _stop(processes)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return exit_code
