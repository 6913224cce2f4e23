"""Start and stop the real assistant (`smartcity run`) on free loopback ports.

Shared by the end-to-end tests and the benchmark.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.launcher import is_up
from core.settings import PROJECT_ROOT

EXAMPLE_CONTENT = PROJECT_ROOT / "data" / "content"
STARTUP_TIMEOUT = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class StartupError(RuntimeError):
    pass


TEXT_LEVEL = re.compile(r" (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


def log_record(line: str) -> dict | None:
    """A line in LOG_FORMAT=json as its object; None for any other line (a
    library's warning printed before the process set its logging up)."""
    if not line.startswith("{"):
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def readable(line: str) -> str:
    """A log line with, for JSON, its fields' values with the escapes undone,
    as a person or a log viewer reads them."""
    record = log_record(line)
    if record is None:
        return line
    return " ".join([line, *map(str, record.values())])


def logged_level(line: str) -> str | None:
    """The level of a log line in either LOG_FORMAT (core.logs)."""
    record = log_record(line)
    if record is not None:
        return record.get("level")
    match = TEXT_LEVEL.search(line)
    return match.group(1) if match else None


@dataclass
class Assistant:
    rasa_port: int
    action_port: int
    web_port: int
    database_url: str
    process: subprocess.Popen
    log: Path
    workdir: Path
    tracker_store_url: str
    ready_seconds: float = 0.0

    @property
    def tracker_db(self) -> Path:
        """The SQLite file of the tracker store."""
        return Path(self.tracker_store_url.removeprefix("sqlite:///"))

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    def log_records(self) -> list[dict]:
        """The lines logged so far in LOG_FORMAT=json, as objects."""
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [r for r in map(log_record, lines) if r is not None]

    def stop(self) -> int:
        """Ctrl-C, as a person would; returns the launcher's exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)


def start(
    workdir: Path,
    extra_env: dict[str, str] | None = None,
    one_database: bool = False,
    prepare: bool = True,
) -> Assistant:
    """Migrate and seed a fresh database (SQLite unless extra_env says otherwise),
    then run the assistant on it. Its var/ (tracker store, secret key) is private.
    With one_database, Rasa keeps its conversations in that database too.
    prepare=False runs it on the databases `workdir` has (e.g. restored ones)."""
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{workdir / 'assistant.db'}",
        SMARTCITY_VAR_DIR=str(workdir / "var"),
        RASA_PORT=str(rasa_port),
        ACTION_PORT=str(action_port),
        WEB_PORT=str(web_port),
        RASA_TELEMETRY_ENABLED="false",
    )
    env.update(extra_env or {})
    env.setdefault("TRACKER_STORE_URL", f"sqlite:///{workdir / 'var' / 'tracker.db'}")
    if one_database:
        env["TRACKER_STORE_URL"] = env["DATABASE_URL"]
    cli = [sys.executable, "-m", "bot.cli"]
    preparation = (["db", "upgrade"], ["content", "import", str(EXAMPLE_CONTENT)])
    for args in preparation if prepare else ():
        subprocess.run([*cli, *args], env=env, cwd=PROJECT_ROOT, check=True,
                       capture_output=True, timeout=120)  # fmt: skip
    log = workdir / "assistant.log"
    began = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen([*cli, "run"], env=env, cwd=PROJECT_ROOT,
                                   stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    assistant = Assistant(
        rasa_port,
        action_port,
        web_port,
        env["DATABASE_URL"],
        process,
        log,
        workdir,
        env["TRACKER_STORE_URL"],
    )
    health = (
        f"{assistant.rasa_url}/webhooks/rest/",
        f"http://127.0.0.1:{action_port}/health",
        f"{assistant.web_url}/healthz",
    )
    while not all(is_up(url) for url in health):
        if process.poll() is not None or time.monotonic() - began > STARTUP_TIMEOUT:
            process.kill()
            raise StartupError("assistant did not start:\n" + log.read_text()[-5000:])
        time.sleep(0.5)
    assistant.ready_seconds = time.monotonic() - began
    return assistant
