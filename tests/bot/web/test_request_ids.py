"""The web app gives every request an id, names it to the widget and hands it
to Rasa with the message (bot.web.request_ids, bot.shared.rasa_client)."""

from __future__ import annotations

import logging
import uuid

import pytest
from aiohttp import web

from bot.server import create_app
from core.logs import RequestIdFilter
from core.request_ids import HEADER, valid_request_id
from core.settings import Settings

PROXY_ID = "nginx-0123456789abcdef"


@pytest.fixture
async def rasa(aiohttp_server):
    """Rasa's REST channel, recording each message's header and metadata."""
    received: list[tuple[str | None, dict]] = []

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        received.append((request.headers.get(HEADER), body["metadata"]))
        return web.json_response([{"recipient_id": body["sender"], "text": "Hallo!"}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    server = await aiohttp_server(app)
    server.received = received
    return server


@pytest.fixture
def make_web(aiohttp_client, database_url, tmp_path, rasa):
    async def make(**env: str):
        settings = Settings.from_env(
            {
                "DATABASE_URL": database_url,
                "SMARTCITY_VAR_DIR": str(tmp_path / "var"),
                "RASA_PORT": str(rasa.port),
                **env,
            }
        )
        return await aiohttp_client(create_app(settings))

    return make


async def say(client, text: str = "Hallo", **headers: str):
    return await client.post(
        "/api/chat",
        json={"session": uuid.uuid4().hex, "message": text},
        headers=headers,
    )


async def test_one_id_names_the_message_to_the_widget_rasa_and_the_log(
    make_web, rasa, caplog
):
    caplog.handler.addFilter(RequestIdFilter())
    client = await make_web()
    with caplog.at_level(logging.INFO, logger="bot.shared.gateway"):
        response = await say(client)
    assert response.status == 200
    request_id = response.headers[HEADER]
    assert valid_request_id(request_id)
    [(header, metadata)] = rasa.received
    assert header == metadata["request_id"] == request_id
    assert metadata["channel"] == "web"
    handled = [
        r for r in caplog.records if r.getMessage().startswith("message handled")
    ]
    assert [r.request_id for r in handled] == [request_id]
    assert "Hallo" not in caplog.text


async def test_each_request_gets_its_own_id(make_web, rasa):
    client = await make_web()
    ids = {(await say(client)).headers[HEADER] for _ in range(3)}
    assert len(ids) == 3
    assert {header for header, _ in rasa.received} == ids
    # Pages and errors name theirs too, for a report of a fault.
    assert valid_request_id((await client.get("/")).headers[HEADER])
    assert valid_request_id((await client.get("/nirgends")).headers[HEADER])


async def test_a_trusted_proxy_s_id_is_kept(make_web, rasa):
    client = await make_web(TRUSTED_PROXIES="127.0.0.1")
    response = await say(client, **{HEADER: PROXY_ID})
    assert response.headers[HEADER] == PROXY_ID
    assert rasa.received[0][0] == PROXY_ID


@pytest.mark.parametrize(
    ("trusted", "given"),
    [
        pytest.param("", PROXY_ID, id="any client may send it"),
        pytest.param("127.0.0.1", "ben@example.org", id="not an id"),
        pytest.param("127.0.0.1", "x" * 200, id="too long"),
    ],
)
async def test_an_id_from_anyone_else_or_not_plain_is_replaced(
    make_web, rasa, trusted, given
):
    client = await make_web(TRUSTED_PROXIES=trusted)
    response = await say(client, **{HEADER: given})
    made = response.headers[HEADER]
    assert made != given and valid_request_id(made)
    assert rasa.received[0][0] == made
