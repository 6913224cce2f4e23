"""Two assistants on one PostgreSQL and one Redis, behind HAProxy, act as one.

Each runs the whole `smartcity run` (Rasa, action server, web app) with
LOCK_STORE_URL and REDIS_URL; HAProxy (docs/haproxy.cfg, unchanged) balances their Rasa REST
channels round robin, without stickiness, and says which server answered.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
import uuid

import aiohttp
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from actions.db.models import Suggestion
from actions.db.session import get_engine
from bot.launcher import is_up
from core.settings import PROJECT_ROOT
from tests.bot.telegram.bot_api import TOKEN, FakeBotApi
from tests.e2e.assistant import free_port, start
from tests.e2e.chat import REFERENCE, joined
from tests.e2e.notifications import delivered, queue_notifications, wait_until_sent
from tests.helpers import (
    services_required,
    temporary_postgres_database,
    temporary_redis_url,
)

pytestmark = pytest.mark.postgres

HAPROXY_CONFIG = PROJECT_ROOT / "docs" / "haproxy.cfg"
FORM = (
    "Ich möchte einen Vorschlag machen",
    "Ich schlage vor, am Stiftsplatz Fahrradbügel aufzustellen ({run})",
    '/inform{{"topic":"Mobilität"}}',
    '/inform{{"choice":"skip"}}',
    '/inform{{"choice":"none"}}',
    '/inform{{"choice":"private"}}',
    "/affirm",
)
SAME_SENDER_AT_ONCE = 20


def haproxy_or_skip() -> str:
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")
    if found is None:
        message = "HAProxy is not installed (.ci/run installs Debian's haproxy)"
        if services_required():
            pytest.fail(f"REQUIRE_SERVICES=1 but {message}")
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def bot_api():
    api = FakeBotApi().start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, bot_api):
    haproxy = haproxy_or_skip()
    with temporary_postgres_database() as database, temporary_redis_url() as redis:
        env = {
            "DATABASE_URL": database,
            "LOCK_STORE_URL": redis,
            "REDIS_URL": redis,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": bot_api.base_url,
            "NOTIFICATION_POLL_SECONDS": "0.2",
        }
        servers = []
        try:
            for name in ("one", "two"):
                workdir = tmp_path_factory.mktemp(name)
                servers.append(start(workdir, env, one_database=True))
            listen = f"127.0.0.1:{free_port()}"
            balancer = subprocess.Popen(
                [haproxy, "-db", "-f", str(HAPROXY_CONFIG)],
                env=dict(
                    os.environ,
                    LISTEN=listen,
                    BACKEND_1=f"127.0.0.1:{servers[0].rasa_port}",
                    BACKEND_2=f"127.0.0.1:{servers[1].rasa_port}",
                    HEALTH_PATH="/webhooks/rest/",
                ),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            webhook = f"http://{listen}/webhooks/rest/webhook"
            deadline = time.monotonic() + 30
            while not is_up(f"http://{listen}/webhooks/rest/"):
                assert balancer.poll() is None, balancer.stderr.read().decode()
                assert time.monotonic() < deadline, "HAProxy did not come up"
                time.sleep(0.2)
            yield webhook, database
            balancer.terminate()
            balancer.wait(timeout=10)
        finally:
            for server in servers:
                assert server.stop() == 0
            get_engine(database).dispose()


async def post(http, webhook: str, sender: str, message: str) -> tuple[list, str]:
    async with http.post(
        webhook,
        json={"sender": sender, "message": message},
        timeout=aiohttp.ClientTimeout(total=300),
    ) as response:
        assert response.status == 200, await response.text()
        return await response.json(), response.headers["X-Served-By"]


async def test_a_suggestion_form_across_both_servers_stores_one_row(cluster):
    webhook, database = cluster
    run, sender = uuid.uuid4().hex[:8], f"scale-{uuid.uuid4().hex}"
    served_by = []
    async with aiohttp.ClientSession() as http:
        for step in FORM:
            replies, server = await post(http, webhook, sender, step.format(run=run))
            served_by.append(server)
    assert set(served_by) == {"one", "two"}, served_by
    reference = REFERENCE.search(joined(replies))
    assert reference, joined(replies)
    with Session(get_engine(database), future=True) as session:
        stored = session.scalars(
            select(Suggestion).where(Suggestion.text.like(f"%({run})"))
        ).all()
    assert [s.reference for s in stored] == [reference.group(0)]


async def test_messages_of_one_sender_at_once_take_turns(cluster):
    webhook, database = cluster
    sender = f"scale-{uuid.uuid4().hex}"
    texts = [f"Hallo ({number})" for number in range(SAME_SENDER_AT_ONCE)]
    async with aiohttp.ClientSession() as http:
        answers = await asyncio.gather(*(post(http, webhook, sender, t) for t in texts))
    assert all(replies for replies, _ in answers), answers
    assert {server for _, server in answers} == {"one", "two"}

    with get_engine(database).connect() as connection:
        events = connection.execute(
            text(
                "SELECT type_name, action_name, data FROM events "
                "WHERE sender_id = :sender ORDER BY id"
            ),
            {"sender": sender},
        ).all()
    users = [row for row in events if row.type_name == "user"]
    assert len(users) == SAME_SENDER_AT_ONCE  # none lost, none doubled
    assert len({u.data for u in users}) == SAME_SENDER_AT_ONCE
    # Whole turns, one after the other: every message is answered and the
    # assistant listens again before the next one is read.
    names = [
        row.type_name if row.type_name == "user" else row.action_name for row in events
    ]
    turns = [index for index, name in enumerate(names) if name == "user"]
    for this, following in zip(turns, [*turns[1:], len(names)], strict=True):
        turn = names[this + 1 : following]
        assert any(name and name.startswith("utter_") for name in turn), turn
        assert turn[-1] == "action_listen", turn


async def test_two_web_apps_deliver_each_notification_once(cluster, bot_api):
    _, database = cluster
    chats = [700_000 + number for number in range(30)]
    queue_notifications(database, chats)
    await wait_until_sent(database, chats)
    assert delivered(bot_api, chats) == {chat: 1 for chat in chats}
