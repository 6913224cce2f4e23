"""A Rasa worker follows the deployed-model record (bot/plugins/model_switch.py).

A real Agent with Rasa's in-memory stores; the model load is a stand-in (the
real one is in tests/e2e/test_model_switch.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest
from rasa.core.agent import Agent
from rasa.shared.core.domain import Domain

from bot.plugins import deployed_model as deployed
from bot.plugins.deployed_model import FAILED, OK, ModelRecord
from bot.plugins.model_switch import ModelWatcher, swapped
from core.files import file_sha256
from core.settings import Settings


def domain(text: str) -> Domain:
    return Domain.from_dict({"responses": {"utter_greet": [{"text": text}]}})


def processor(path: Path, text: str = "Hallo") -> SimpleNamespace:
    return SimpleNamespace(model_path=path, domain=domain(text))


def archive(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.from_env({"SMARTCITY_VAR_DIR": str(tmp_path / "var")})


@pytest.fixture
def old_model(tmp_path) -> Path:
    return archive(tmp_path, "old.tar.gz", b"old model")


@pytest.fixture
def app(old_model):
    agent = Agent()
    agent.processor = processor(old_model, "alt")
    return SimpleNamespace(ctx=SimpleNamespace(agent=agent))


class Loads:
    """Stands in for load_processor: records the calls, fails on request."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[Path] = []
        self.fail = fail

    def __call__(self, _agent, path: Path):
        self.calls.append(path)
        if self.fail:
            raise OSError("truncated archive")
        return processor(path, "neu")


def deploy(settings: Settings, path: Path, serial: int) -> ModelRecord:
    record = ModelRecord(serial, str(path), file_sha256(path))
    deployed.write_record(settings, record)
    return record


def status(settings: Settings):
    (only,) = deployed.read_statuses(settings)
    return only


def test_the_new_agent_shares_the_stores_and_the_old_one_stays_whole(old_model):
    old = Agent()
    old.processor = processor(old_model, "alt")
    new_processor = processor(old_model, "neu")
    new = swapped(old, new_processor)
    assert new is not old and new.processor is new_processor
    assert old.processor.domain.responses["utter_greet"][0]["text"] == "alt"
    for store in ("tracker_store", "lock_store", "nlg", "action_endpoint"):
        assert getattr(new, store) is getattr(old, store)
    # What Agent.load_model updates: the tracker store's domain and the texts.
    assert new.tracker_store.domain is new_processor.domain
    assert new.nlg.responses["utter_greet"][0]["text"] == "neu"


async def test_a_worker_on_the_deployed_model_registers_with_its_serial(
    settings, app, old_model
):
    deploy(settings, old_model, 4)
    watcher = ModelWatcher(app, settings, Loads())
    await watcher.register()
    assert (status(settings).serial, status(settings).state) == (4, OK)
    assert status(settings).path == str(old_model)


async def test_a_new_serial_is_loaded_and_swapped_in(settings, app, tmp_path):
    loads, before = Loads(), app.ctx.agent
    watcher = ModelWatcher(app, settings, loads)
    await watcher.register()
    assert status(settings).serial == 0  # started with a model no record names
    new_model = archive(tmp_path, "new.tar.gz", b"new model")
    deploy(settings, new_model, 1)
    await watcher.check()
    assert loads.calls == [new_model]
    assert app.ctx.agent is not before and app.ctx.agent.processor.model_path == (
        new_model
    )
    assert (status(settings).serial, status(settings).state) == (1, OK)
    assert status(settings).load_seconds is not None
    await watcher.check()  # nothing new
    assert len(loads.calls) == 1


async def test_a_model_that_fails_to_load_is_reported_and_not_retried(
    settings, app, tmp_path, old_model
):
    loads, before = Loads(fail=True), app.ctx.agent
    watcher = ModelWatcher(app, settings, loads)
    await watcher.register()
    deploy(settings, archive(tmp_path, "broken.tar.gz", b"broken"), 1)
    await watcher.check()
    await watcher.check()
    assert len(loads.calls) == 1
    assert app.ctx.agent is before
    reported = status(settings)
    assert (reported.state, reported.target, reported.serial) == (FAILED, 1, 0)
    assert "truncated archive" in reported.error
    # The rollback names the model it still serves: taken on without a load.
    deploy(settings, old_model, 2)
    await watcher.check()
    assert (status(settings).serial, status(settings).state) == (2, OK)
    assert len(loads.calls) == 1 and app.ctx.agent is before


async def test_one_worker_loads_at_a_time(settings, app, tmp_path):
    loads = Loads()
    watcher = ModelWatcher(app, settings, loads)
    await watcher.register()
    deploy(settings, archive(tmp_path, "new.tar.gz", b"new model"), 1)
    with deployed.try_lock(deployed.switch_lock(settings)) as other_worker:
        assert other_worker
        assert await watcher.check()  # waiting: looks again soon
    assert loads.calls == [] and status(settings).serial == 0
    assert not await watcher.check()
    assert len(loads.calls) == 1 and status(settings).serial == 1


async def test_a_file_changed_after_the_deploy_is_not_loaded(settings, app, tmp_path):
    loads = Loads()
    watcher = ModelWatcher(app, settings, loads)
    await watcher.register()
    model = archive(tmp_path, "new.tar.gz", b"new model")
    deploy(settings, model, 1)
    model.write_bytes(b"overwritten by make train")
    await watcher.check()
    assert loads.calls == []
    assert "changed after it was deployed" in status(settings).error


async def test_the_worker_answers_while_it_loads(settings, app, tmp_path):
    """The load runs in a thread: the loop keeps serving turns meanwhile."""
    loaded = asyncio.Event()

    def slow_load(_agent, path):
        import time

        time.sleep(0.5)
        return processor(path)

    watcher = ModelWatcher(app, settings, slow_load)
    await watcher.register()
    deploy(settings, archive(tmp_path, "new.tar.gz", b"new model"), 1)
    ticks = 0

    async def turns():
        nonlocal ticks
        while not loaded.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    running = asyncio.create_task(turns())
    await watcher.check()
    loaded.set()
    await running
    assert ticks >= 20
    assert status(settings).serial == 1
