"""The endpoints the launcher hands to Rasa: which lock store several workers share."""

from __future__ import annotations

import sys

import yaml
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import read_endpoint_config

from bot.launcher import child_env, endpoints_file
from bot.plugins.lock_store import SQLiteLockStore
from core.settings import PROJECT_ROOT, Settings


def settings(tmp_path, **env) -> Settings:
    return Settings.from_env({"SMARTCITY_VAR_DIR": str(tmp_path / "var"), **env})


def test_one_worker_keeps_rasas_locks_in_memory(tmp_path):
    assert (
        endpoints_file(settings(tmp_path, RASA_WORKERS="1"))
        == PROJECT_ROOT / "endpoints.yml"
    )


def test_several_workers_share_a_sqlite_lock_store_under_var(tmp_path, monkeypatch):
    workers = settings(tmp_path, RASA_WORKERS="2")
    for name, value in child_env(workers).items():  # what Rasa is started with
        monkeypatch.setenv(name, value)
    path = endpoints_file(workers)
    config = read_endpoint_config(str(path), "lock_store")
    store = LockStore.create(config)
    assert isinstance(store, SQLiteLockStore)
    assert store.path == (tmp_path / "var" / "locks.db").resolve()
    original = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
    assert original.items() <= yaml.safe_load(path.read_text()).items()


def test_a_redis_url_is_named_not_written(tmp_path):
    url = "redis://:geheim@redis.intern:6379/1"
    path = endpoints_file(settings(tmp_path, RASA_WORKERS="2", LOCK_STORE_URL=url))
    text = path.read_text()
    assert "geheim" not in text
    assert (
        "bot.plugins.lock_store.RedisURLLockStore" in text
        and "${LOCK_STORE_URL}" in text
    )


def test_rasa_gets_a_token_that_starts_with_a_dash(monkeypatch):
    import rasa.__main__

    from bot.plugins import rasa_main

    parsed = {}

    def fake_rasa_main():
        args = rasa.__main__.create_argument_parser().parse_args(sys.argv[1:])
        parsed.update(token=args.auth_token, api=args.enable_api)

    monkeypatch.setattr(rasa.__main__, "main", fake_rasa_main)
    monkeypatch.setenv("RASA_API_TOKEN", "-Xk_3-token")
    monkeypatch.setattr(sys, "argv", ["rasa", "run", "--port", "5005"])
    rasa_main.main()
    assert parsed == {"token": "-Xk_3-token", "api": True}
