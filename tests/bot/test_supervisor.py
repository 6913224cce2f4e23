"""The launcher starts a crashed server again, with backoff, and gives up on
one that keeps crashing: with real child processes, not mocks."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bot import launcher
from bot.launcher import Child, Supervisor, children_of
from bot.plugins.deployed_model import ModelRecord, write_record
from core import metrics
from core.settings import Settings

CRASH = [sys.executable, "-c", "import sys; sys.exit(3)"]
SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]


def _restarts(name: str) -> float:
    return metrics.process_restarts.labels(name)._value.get()


def _supervisor(tmp_path, commands: dict[str, list[str]], monkeypatch) -> Supervisor:
    monkeypatch.setattr(launcher, "commands", lambda _settings: commands)
    settings = Settings.from_env(
        {"SMARTCITY_VAR_DIR": str(tmp_path / "var"), "RASA_WORKERS": "1"}
    )
    return Supervisor(settings, dict(os.environ))


def _wait_stopped(child: Child) -> None:
    child.process.wait(timeout=30)


def test_a_crashed_server_starts_again_after_a_growing_pause(tmp_path, monkeypatch):
    supervisor = _supervisor(tmp_path, {"web app": CRASH}, monkeypatch)
    supervisor.start()
    child = supervisor.children["web app"]
    before = _restarts("web app")
    now = time.monotonic()
    delays = []
    for _crash in range(3):
        _wait_stopped(child)
        assert supervisor.step(now)
        due = child.restart_at
        delays.append(due - now)
        first = child.process.pid
        assert supervisor.step(due)  # due: started again
        assert child.process.pid != first
        now = due
    assert delays == [1.0, 2.0, 4.0]
    assert _restarts("web app") == before + 3
    supervisor.children["web app"].process.wait(timeout=30)


def test_a_server_that_keeps_crashing_stops_the_assistant(tmp_path, monkeypatch):
    supervisor = _supervisor(tmp_path, {"action server": CRASH}, monkeypatch)
    supervisor.start()
    child = supervisor.children["action server"]
    now = time.monotonic()
    for _crash in range(launcher.MAX_RESTARTS):
        _wait_stopped(child)
        assert supervisor.step(now)
        now = child.restart_at
        supervisor.step(now)
    _wait_stopped(child)
    assert not supervisor.step(now)


def test_a_server_that_ran_long_enough_starts_its_count_over(tmp_path, monkeypatch):
    supervisor = _supervisor(tmp_path, {"web app": CRASH}, monkeypatch)
    supervisor.start()
    child = supervisor.children["web app"]
    _wait_stopped(child)
    child.crashes = [child.started_at - 1] * launcher.MAX_RESTARTS
    # It crashed after a stable run: one pause of a second, no giving up.
    assert supervisor.step(child.started_at + launcher.STABLE_SECONDS)
    assert child.restart_at - child.started_at == launcher.STABLE_SECONDS + 1.0


def test_children_are_found_in_proc():
    process = subprocess.Popen(SLEEP)
    try:
        assert process.pid in children_of(os.getpid())
    finally:
        process.kill()
        process.wait()
    assert process.pid not in children_of(os.getpid())


def test_a_model_trained_after_the_deploy_is_named_at_the_start(tmp_path, caplog):
    models = tmp_path / "models"
    models.mkdir()
    deployed, trained = models / "deployed-1.tar.gz", models / "smartcity.tar.gz"
    deployed.write_bytes(b"old")
    trained.write_bytes(b"new")
    os.utime(deployed, (1, 1))
    settings = Settings.from_env(
        {"SMARTCITY_VAR_DIR": str(tmp_path / "var"), "RASA_MODEL": str(models)}
    )
    write_record(settings, ModelRecord(serial=1, path=str(deployed), sha256="x"))
    assert launcher.model_to_load(settings) == deployed  # the deploy wins
    launcher.warn_if_newer_trained(settings)
    assert "smartcity model deploy" in caplog.text
    assert str(trained) in caplog.text
