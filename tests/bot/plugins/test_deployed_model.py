"""The files a deploy and the Rasa workers agree through: record, statuses, locks."""

from __future__ import annotations

import os
import subprocess

from bot.plugins import deployed_model as deployed
from bot.plugins.deployed_model import FAILED, ModelRecord, WorkerStatus
from core.files import file_sha256
from core.settings import Settings


def settings(tmp_path) -> Settings:
    return Settings.from_env({"SMARTCITY_VAR_DIR": str(tmp_path / "var")})


def test_the_record_is_read_as_written_and_none_before_the_first_deploy(tmp_path):
    config = settings(tmp_path)
    assert deployed.read_record(config) is None
    record = ModelRecord(serial=3, path="/m/a.tar.gz", sha256="ab", previous="/m/b")
    deployed.write_record(config, record)
    assert deployed.read_record(config) == record
    assert not list(deployed.model_var(config).glob(".*.tmp"))  # no leftovers


def test_a_damaged_record_reads_as_none(tmp_path):
    config = settings(tmp_path)
    deployed.record_file(config).parent.mkdir(parents=True)
    for text in ("{", "[]", '{"serial": 1}'):
        deployed.record_file(config).write_text(text)
        assert deployed.read_record(config) is None


def test_the_deployed_path_needs_the_file(tmp_path):
    config, model = settings(tmp_path), tmp_path / "m.tar.gz"
    deployed.write_record(config, ModelRecord(1, str(model), "ab"))
    assert deployed.deployed_path(config) is None
    model.write_bytes(b"x")
    assert deployed.deployed_path(config) == model


def test_statuses_of_stopped_workers_are_left_out_and_removed(tmp_path):
    config = settings(tmp_path)
    me = WorkerStatus(os.getpid(), deployed.process_started(os.getpid()), 1, "/m", "ab")
    finished = subprocess.Popen(["true"])
    finished.wait()
    gone = WorkerStatus(finished.pid, "1", 1, "/m", "ab")
    # The pid of a live process, but it started at another time: not the worker.
    reused = WorkerStatus(os.getppid(), "0", 1, "/m", "ab", state=FAILED)
    for status in (me, gone, reused):
        deployed.write_status(config, status)
    assert len(deployed.read_statuses(config)) == 3
    assert [s.pid for s in deployed.live_statuses(config)] == [os.getpid()]
    assert [s.pid for s in deployed.read_statuses(config)] == [os.getpid()]


def test_one_holder_of_a_lock_at_a_time(tmp_path):
    path = tmp_path / "var" / "model" / "switch.lock"
    with deployed.try_lock(path) as first:
        assert first
        with deployed.try_lock(path) as second:
            assert not second
    with deployed.try_lock(path) as again:
        assert again


def test_the_fingerprint_is_the_sha256_of_the_file(tmp_path):
    model = tmp_path / "m.tar.gz"
    model.write_bytes(b"abc")
    assert file_sha256(model) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
