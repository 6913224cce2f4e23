"""`smartcity model deploy`: checks, record, waiting for the workers, rollback.

The workers are the real ModelWatcher of bot/plugins/model_switch.py on
stand-in agents, stepped while the deploy waits; a process is "running" while
its pid is in a set. The real assistant: tests/e2e/test_model_switch.py.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from rasa.core.agent import Agent
from rasa.shared.core.domain import Domain

from bot import cli, model_deploy
from bot.launcher import model_to_load
from bot.model_checks import archive_problems
from bot.model_deploy import DeployError, deploy, rollback, wait_for_workers
from bot.plugins import deployed_model as deployed
from bot.plugins.model_switch import ModelWatcher
from core.files import file_sha256
from core.settings import Settings


def model_archive(path: Path, model_id: str) -> Path:
    """A tar.gz with Rasa's metadata.json: enough for everything but a load."""
    raw = json.dumps({"model_id": model_id}).encode()
    with tarfile.open(path, "w:gz") as archive:
        member = tarfile.TarInfo("metadata.json")
        member.size = len(raw)
        archive.addfile(member, io.BytesIO(raw))
    return path


class Workers:
    """Stand-in Rasa workers: ModelWatchers with a pid each and a fake load
    that fails for the archives in `broken`."""

    def __init__(self, settings: Settings, model: Path, count: int, monkeypatch):
        self.settings, self.broken, self.running = settings, set(), set()
        monkeypatch.setattr(
            deployed, "is_running", lambda pid, _started: pid in self.running
        )
        self.watchers = []
        for pid in range(1001, 1001 + count):
            agent = Agent()
            agent.processor = SimpleNamespace(model_path=model, domain=Domain.empty())
            app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))
            watcher = ModelWatcher(app, settings, self.load)
            watcher.pid = pid
            self.running.add(pid)
            asyncio.run(watcher.register())
            self.watchers.append(watcher)
        self.steps = 0

    def load(self, _agent, path: Path):
        if path.name in self.broken or file_sha256(path) in self.broken:
            raise OSError("not a gzip file")
        return SimpleNamespace(model_path=path, domain=Domain.empty())

    def step(self, _seconds: float = 0) -> None:
        """What the workers do in one tick (the deploy's sleep)."""
        self.steps += 1
        for watcher in self.watchers:
            if watcher.pid in self.running:
                asyncio.run(watcher.check())

    def serving(self) -> set[str]:
        return {str(w.app.ctx.agent.processor.model_path) for w in self.watchers}


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.from_env(
        {
            "SMARTCITY_VAR_DIR": str(tmp_path / "var"),
            "RASA_MODEL": str(tmp_path / "models"),
        }
    )


@pytest.fixture
def first(tmp_path) -> Path:
    (tmp_path / "models").mkdir()
    return model_archive(tmp_path / "models" / "smartcity.tar.gz", "first")


@pytest.fixture
def workers(settings, first, monkeypatch) -> Workers:
    return Workers(settings, first, 2, monkeypatch)


def same_model(one: Path, other: Path) -> bool:
    return file_sha256(one) == file_sha256(other)


def no_problems(_path, _say):
    return []


def test_every_worker_switches_and_the_record_names_a_copy(
    settings, first, workers, tmp_path
):
    new = model_archive(tmp_path / "new.tar.gz", "second")
    said = []
    assert (
        deploy(settings, new, check=no_problems, say=said.append, sleep=workers.step)
        == 0
    )
    record = deployed.read_record(settings)
    assert record.serial == 1 and record.model_id == "second"
    copy = Path(record.path)
    assert copy.parent == tmp_path / "models" and copy.name.startswith("deployed-")
    assert copy.read_bytes() == new.read_bytes()
    assert record.source == str(new)
    # The previous model, frozen as a copy: `make train` overwrites the original.
    previous = Path(record.previous)
    assert previous.name.startswith("deployed-") and same_model(previous, first)
    assert workers.serving() == {record.path}
    assert {s.serial for s in deployed.read_statuses(settings)} == {1}
    assert any("switched in" in line for line in said), said
    assert said[-1].startswith("done: 2 worker(s)")
    # A restart of the assistant starts the deployed model.
    assert model_to_load(settings) == copy


def test_a_model_the_checks_refuse_changes_nothing(settings, first, workers, tmp_path):
    new = model_archive(tmp_path / "new.tar.gz", "second")
    said = []
    code = deploy(
        settings, new, check=lambda _p, _s: ["a test story fails"], say=said.append,
        sleep=workers.step,
    )  # fmt: skip
    assert code == 1
    assert "  FAIL: a test story fails" in said and said[-1].startswith("refused")
    assert deployed.read_record(settings) is None
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [first.name]
    assert workers.serving() == {str(first)}


def test_a_worker_that_cannot_load_the_model_rolls_every_worker_back(
    settings, first, workers, tmp_path
):
    broken = model_archive(tmp_path / "broken.tar.gz", "broken")
    workers.broken.add(file_sha256(broken))
    said = []
    code = deploy(settings, broken, check=None, say=said.append, sleep=workers.step)
    assert code == 1
    assert any("could not load it: OSError: not a gzip file" in line for line in said)
    assert said[-1].startswith("rolled back: 2 worker(s)")
    record = deployed.read_record(settings)
    assert record.serial == 2 and same_model(Path(record.path), first)
    # Nobody loaded anything for the rollback: each still had the old model.
    assert workers.serving() == {str(first)}
    assert {(s.serial, s.state) for s in deployed.read_statuses(settings)} == {
        (2, "ok")
    }
    # The copy of the model no worker serves is gone; the source stays.
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == sorted(
        [first.name, Path(record.path).name]
    )
    assert broken.is_file()


def test_a_worker_that_stops_during_the_switch_rolls_back(
    settings, first, workers, tmp_path
):
    new = model_archive(tmp_path / "new.tar.gz", "second")
    stopping = workers.watchers[1].pid

    def step(seconds):
        workers.running.discard(stopping)  # killed before it switched
        workers.step(seconds)

    said = []
    assert deploy(settings, new, check=None, say=said.append, sleep=step) == 1
    assert f"FAIL: worker {stopping} stopped during the switch" in said
    assert same_model(Path(deployed.read_record(settings).path), first)


def test_a_worker_that_does_not_switch_in_time_fails_the_wait(
    settings, workers, tmp_path
):
    now = [0.0]
    new = model_archive(tmp_path / "new.tar.gz", "second")
    record = model_deploy.publish(settings, new, previous=None, source=None)
    outcome = wait_for_workers(
        settings, record.serial, expected=workers.running, timeout=5,
        sleep=lambda s: now.__setitem__(0, now[0] + 1), clock=lambda: now[0],
    )  # fmt: skip
    assert not outcome.ok and "timed out after 5 s" in outcome.message


def test_without_running_workers_the_next_start_takes_the_model(
    settings, first, tmp_path
):
    new = model_archive(tmp_path / "new.tar.gz", "second")
    said = []
    assert deploy(settings, new, check=None, say=said.append) == 0
    assert any("next start uses this model" in line for line in said)
    assert model_to_load(settings) == Path(deployed.read_record(settings).path)


def test_rollback_returns_to_the_previous_model_and_back(
    settings, first, workers, tmp_path
):
    new = model_archive(tmp_path / "new.tar.gz", "second")
    deploy(settings, new, check=None, say=lambda _: None, sleep=workers.step)
    deployed_copy, first_copy = (
        deployed.read_record(settings).path,
        deployed.read_record(settings).previous,
    )
    assert rollback(settings, say=lambda _: None, sleep=workers.step) == 0
    assert workers.serving() == {first_copy} and same_model(Path(first_copy), first)
    assert deployed.read_record(settings).previous == deployed_copy
    assert rollback(settings, say=lambda _: None, sleep=workers.step) == 0
    assert workers.serving() == {deployed_copy}


def test_rollback_needs_a_previous_model(settings):
    with pytest.raises(DeployError, match="nothing to roll back to"):
        rollback(settings)


def test_one_deploy_at_a_time(settings, first, tmp_path):
    new = model_archive(tmp_path / "new.tar.gz", "second")
    with (
        deployed.try_lock(deployed.deploy_lock(settings)),
        pytest.raises(DeployError, match="another"),
    ):
        deploy(settings, new, check=None)


def test_a_new_serial_is_above_every_serial_a_worker_knows(settings, workers):
    deployed.record_file(settings).unlink(missing_ok=True)
    workers.watchers[0].serial = 7
    workers.watchers[0].report("ok")
    assert model_deploy.next_serial(settings) == 8


def test_old_copies_are_pruned_but_never_the_current_or_previous(settings, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    copies = []
    for index in range(7):
        copy = folder / f"deployed-2026010{index}-000000-abc.tar.gz"
        copy.write_bytes(b"x")
        os.utime(copy, (index, index))
        copies.append(copy)
    deployed.write_record(
        settings, deployed.ModelRecord(9, str(copies[0].resolve()), "x",
                                       previous=str(copies[1].resolve()))
    )  # fmt: skip
    model_deploy.prune_copies(settings)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        c.name for c in (copies[0], copies[1], *copies[4:])
    )


@pytest.mark.parametrize(
    "content, problem",
    [(b"not a model", "not a Rasa model archive"), (None, "no metadata.json")],
)
def test_the_checks_refuse_what_is_no_model_archive(tmp_path, content, problem):
    path = tmp_path / "model.tar.gz"
    if content is None:
        with tarfile.open(path, "w:gz") as archive:
            archive.addfile(tarfile.TarInfo("other.txt"), io.BytesIO(b""))
    else:
        path.write_bytes(content)
    (found,) = archive_problems(path)
    assert problem in found


def test_the_cli_says_in_one_line_what_keeps_a_deploy_from_starting(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("SMARTCITY_VAR_DIR", str(tmp_path / "var"))
    assert cli.main(["model", "deploy", str(tmp_path / "missing.tar.gz")]) == 2
    assert "is not a file" in capsys.readouterr().err
    assert cli.main(["model", "rollback"]) == 2
    assert "nothing to roll back to" in capsys.readouterr().err
    assert cli.main(["model", "status"]) == 0
