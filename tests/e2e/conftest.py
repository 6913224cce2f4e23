"""Starts the real assistant (`smartcity run`: action server + Rasa) on free ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.launcher import LaunchError, find_model
from bot.settings import PROJECT_ROOT
from tests.conftest import EXAMPLE_CONTENT

STARTUP_TIMEOUT = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass
class Assistant:
    rasa_url: str
    action_url: str
    rasa_port: int
    action_port: int
    database_url: str
    process: subprocess.Popen
    log: Path

    @property
    def webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"


def _start(env: dict[str, str], log: Path) -> subprocess.Popen:
    for args in (["db", "upgrade"], ["content", "import", str(EXAMPLE_CONTENT)]):
        subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            env=env,
            check=True,
            cwd=PROJECT_ROOT,
            capture_output=True,
            timeout=120,
        )
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> Iterator[Assistant]:
    try:
        find_model(PROJECT_ROOT / "models")
    except LaunchError as error:
        pytest.fail(f"{error} (make test trains it)")
    tmp = tmp_path_factory.mktemp("e2e")
    rasa_port, action_port = free_port(), free_port()
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp / 'e2e.db'}",
        RASA_PORT=str(rasa_port),
        ACTION_PORT=str(action_port),
        SMARTCITY_VAR_DIR=str(tmp / "var"),
        RASA_TELEMETRY_ENABLED="false",
    )
    log = tmp / "assistant.log"
    process = _start(env, log)
    running = Assistant(
        f"http://127.0.0.1:{rasa_port}",
        f"http://127.0.0.1:{action_port}",
        rasa_port,
        action_port,
        env["DATABASE_URL"],
        process,
        log,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not (
        _ok(f"{running.rasa_url}/webhooks/rest/")
        and _ok(f"{running.action_url}/health")
    ):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("assistant did not start:\n" + log.read_text()[-5000:])
        time.sleep(1)
    yield running
    # Ctrl-C must stop the launcher and both servers cleanly.
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0, log.read_text()[-3000:]
    assert not is_listening(rasa_port) and not is_listening(action_port)
