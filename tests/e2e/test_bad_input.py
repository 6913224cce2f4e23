"""The bad-input catalogue at the public chat boundary, over the real assistant.

Each input gets an exact outcome: a German answer (200) or a German `error`
(4xx), nothing stored, and the next normal message of the same citizen is
answered. Messages that once stalled Rasa for everyone are sent together with
another citizen's normal question, which must be answered too. The answer
times over the catalogue are measured by tests/bench/bench_bad_input.py; the
bound here only says "not stalled" (one of these took over a minute before).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest

from bot.web.errors import BAD_REQUEST, EMPTY, TOO_FAST, TOO_LONG

NOT_STALLED_SECONDS = 10
NORMAL = "Was ist die Mitmachplattform?"
NORMAL_ANSWER = "KL MitWirkung"

# Texts that a citizen's client can send: each must get an answer.
CHAT_TEXTS = {
    "dates x20": "in 2 Wochen und 3 Tagen " * 20,
    "dates x83": ("in 2 Wochen und 3 Tagen " * 84)[:2000],
    "day list": ("am 1.1. und 2.2. und 3.3. und 4.4. " * 60)[:2000],
    "time ranges": ("von 10 bis 12 Uhr und von 13 bis 15 Uhr " * 50)[:2000],
    "one word": "a" * 2000,
    "one name": ("Mitmachplattform" * 125)[:2000],
    "reference lookalikes": ("Vorschlag V-ORSC-HLAG " * 100)[:2000],
    "exactly 2000": "x " * 1000,
    "NUL and controls": "Hallo\x00 Welt\x07\x1b[31m wann ist\x00 der nächste Termin?",
    "RTL marks": "\u202eTermine\u202c am \u200fWochenende\u200e?",
    "zero width": "Mit\u200bmach\u200cplatt\u200dform",
    "combining marks": "Z̴̡̛̗a̶̳̓l̸͚̊g̷̳̿o̸͉͝ Termine",
    "emoji": "😀🙈🏳️‍🌈" * 100,
    "newlines": "\n" * 500 + "Termine?",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "sql": "'; DROP TABLE suggestions; -- ",
    "format strings": "{reference} %s %(x)s {{7*7}} ${jndi:ldap://x}",
    "slash only": "/",
    "unknown intent": "/gibt_es_nicht",
    "broken payload": '/ask_events{"time": ',
    "payload year 9999": '/ask_events{"time":"9999-12-31T23:00:00+00:00"}',
    "payload year 1": '/ask_events{"time":"0001-01-01T00:00:00+00:00"}',
    "payload number time": '/ask_events{"time": 5}',
    "payload list project": '/ask_project_info{"project": ["a", {"b": 1}]}',
    "payload number topic": '/ask_projects{"topic": 42, "district": null}',
    "payload object reference": '/ask_suggestion_status{"reference": {"x": 1}}',
    "payload huge entity": '/ask_projects{"topic": "' + "T" * 1900 + '"}',
    "payload many entities": "/inform" + json.dumps({f"e{i}": i for i in range(150)}),
}
# Texts that stalled or slowed the assistant: sent beside a normal question.
STALLERS = ("dates x20", "dates x83", "day list", "time ranges", "one name")


def session() -> str:
    return uuid.uuid4().hex


async def say(client, chat_session: str, message) -> tuple[int, dict, float]:
    began = time.monotonic()
    response = await client.post(
        "/api/chat", json={"session": chat_session, "message": message}
    )
    return response.status, await response.json(), time.monotonic() - began


@pytest.fixture
async def web(make_client):
    return await make_client(WEB_ADDRESS_PER_MINUTE="100000")


@pytest.mark.parametrize("name", CHAT_TEXTS)
async def test_every_text_gets_a_german_answer_and_the_next_one_too(web, name):
    mine = session()
    status, body, seconds = await say(web, mine, CHAT_TEXTS[name])
    assert status == 200, body
    assert body["messages"] and all(m["text"].strip() for m in body["messages"])
    assert seconds < NOT_STALLED_SECONDS
    assert "habe ich nicht gefunden" not in body["messages"][0]["text"]
    status, body, _ = await say(web, mine, NORMAL)
    assert status == 200 and body["messages"][0]["text"].strip()


@pytest.mark.parametrize("name", STALLERS)
async def test_a_staller_does_not_hold_up_another_citizen(web, name):
    attack = say(web, session(), CHAT_TEXTS[name])
    await asyncio.sleep(0.05)  # the attack is on its way first
    (a_status, _, a_seconds), (n_status, normal, n_seconds) = await asyncio.gather(
        attack, say(web, session(), NORMAL)
    )
    assert (a_status, n_status) == (200, 200)
    assert NORMAL_ANSWER in normal["messages"][0]["text"]
    assert max(a_seconds, n_seconds) < NOT_STALLED_SECONDS


RAW_BODIES = {
    "2001 characters": (json.dumps({"session": "s" * 32, "message": "x" * 2001}), 400, TOO_LONG),
    "only spaces": (json.dumps({"session": "s" * 32, "message": " \x00\u200b\n "}), 400, EMPTY),
    "lone surrogate": ('{"session": "' + "s" * 32 + '", "message": "Hallo \\ud800 Welt"}', 200, None),
    "deep nesting": ("[" * 25_000 + "]" * 25_000, 400, BAD_REQUEST),
    "deep object": ('{"a":' * 10_000 + "1" + "}" * 10_000, 400, BAD_REQUEST),
    "not UTF-8": (b'{"session": "' + b"s" * 32 + b'", "message": "\xff\xfe"}', 400, BAD_REQUEST),
    "empty": ("", 400, BAD_REQUEST),
    "null": ("null", 400, BAD_REQUEST),
    "number session": (json.dumps({"session": 1234567890123456, "message": "Hallo"}), 400, BAD_REQUEST),
    "bool message": (json.dumps({"session": "s" * 32, "message": True}), 400, BAD_REQUEST),
    "list message": (json.dumps({"session": "s" * 32, "message": ["Hallo"]}), 400, BAD_REQUEST),
    "session with slash": (json.dumps({"session": "../" * 10, "message": "Hallo"}), 400, BAD_REQUEST),
    "duplicate keys": ('{"session": "' + "s" * 32 + '", "message": 1, "message": "Hallo"}', 200, None),
    "NaN": ('{"session": "' + "s" * 32 + '", "message": NaN}', 400, BAD_REQUEST),
}  # fmt: skip


@pytest.mark.parametrize("name", RAW_BODIES)
@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=klingon", "text/plain"],
)
async def test_every_body_gets_a_german_answer(web, name, content_type):
    raw, expected_status, expected_error = RAW_BODIES[name]
    response = await web.post(
        "/api/chat",
        data=raw.encode() if isinstance(raw, str) else raw,
        headers={"Content-Type": content_type},
    )
    body = await response.json()
    assert response.status == expected_status, body
    if expected_error:
        assert body == {"error": expected_error}
    else:
        assert body["messages"]


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/api/forget", "[" * 50_000),
        ("/api/forget", '{"session": 5}'),
        ("/api/notifications/seen", '{"session": "' + "s" * 32 + '", "ids": [true]}'),
        ("/api/notifications/seen", '{"session": "' + "s" * 32 + '", "ids": [1e999]}'),
        ("/api/notifications/seen", '{"session": "' + "s" * 32 + '", "ids": "1,2"}'),
        ("/api/notifications/seen",
         '{"session": "' + "s" * 32 + '", "ids": ' + json.dumps(list(range(21))) + "}"),
    ],
)  # fmt: skip
async def test_the_other_endpoints_answer_bad_bodies_with_a_german_400(web, path, raw):
    response = await web.post(
        path, data=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert await response.json() == {"error": BAD_REQUEST}


@pytest.mark.parametrize(
    "query",
    ["", "?session=", "?session=kurz", "?session=" + "s" * 65, "?session=a&session=b",
     "?session=%00" + "s" * 31, "?session=" + "%C3%A4" * 20],
)  # fmt: skip
async def test_news_with_a_bad_session_is_a_german_400(web, query):
    response = await web.get("/api/notifications" + query)
    assert response.status == 400
    assert await response.json() == {"error": BAD_REQUEST}


async def test_fresh_session_ids_do_not_escape_the_limit_per_address(
    make_client,
):
    """Issue 13: the limit was keyed by the client-chosen session id only."""
    web = await make_client(WEB_ADDRESS_PER_MINUTE="5")
    statuses = [(await say(web, session(), "Hallo"))[0] for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    response = await web.get(f"/api/notifications?session={session()}")
    assert response.status == 429
    assert (await response.json())["error"] == TOO_FAST


async def test_the_overall_limit_protects_rasa(make_client):
    """One limit for everyone together: a spray of addresses escapes the others."""
    web = await make_client(WEB_GLOBAL_PER_MINUTE="3", WEB_ADDRESS_PER_MINUTE="100")
    statuses = [(await say(web, session(), "Hallo"))[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
