"""Issue 35: the operators' logs (LOG_FORMAT=json) of the running assistant.

One message from the widget is found, by the request id the web app named in
its answer, in the lines of the web app, Rasa and the action server; what
the citizen wrote and who wrote it are in none. The session's assistant runs
in this format; conftest.py checks every line of it for personal data.
"""

from __future__ import annotations

import asyncio
import re
import uuid

import aiohttp

from core.request_ids import HEADER, valid_request_id
from tests.e2e.assistant import Assistant, log_record, logged_level

# Answered by a custom action (action_project_info), so all three processes work on it.
QUESTION = "Was ist die Mitmachplattform?"
FIELDS = {"time", "level", "logger", "message", "process"}
SENDER = re.compile(r"web:[0-9a-f]{32}")  # bot.web.chat's pseudonym of a session


async def ask(assistant: Assistant, session: str) -> str:
    async with aiohttp.ClientSession() as http, http.post(
        f"{assistant.web_url}/api/chat",
        json={"session": session, "message": QUESTION},
    ) as response:
        assert response.status == 200, await response.text()
        texts = [m["text"] for m in (await response.json())["messages"]]
        assert any("KL MitWirkung" in text for text in texts), texts
        return response.headers[HEADER]


async def lines_of(assistant: Assistant, request_id: str) -> list[dict]:
    """The lines with this request id, once the three processes have written."""
    for _ in range(50):
        lines = [
            r for r in assistant.log_records() if r.get("request_id") == request_id
        ]
        if {"web", "rasa", "actions"} <= {line["process"] for line in lines}:
            break
        await asyncio.sleep(0.1)
    return lines


async def test_one_message_is_followed_through_every_process(assistant):
    session = uuid.uuid4().hex
    request_id = await ask(assistant, session)
    assert valid_request_id(request_id)
    lines = await lines_of(assistant, request_id)
    by_process = {
        p: [x for x in lines if x["process"] == p] for p in ("web", "rasa", "actions")
    }
    assert all(by_process.values()), lines
    assert any(
        x["message"].startswith("message handled (web)") for x in by_process["web"]
    )
    assert any(x["message"].startswith("turn handled") for x in by_process["rasa"])
    assert any(
        x["message"].startswith("action action_project_info answered 200")
        for x in by_process["actions"]
    )
    for line in lines:
        assert FIELDS <= set(line) <= FIELDS | {"request_id", "exception", "stack"}
    # Neither the words nor the widget's session (nor the sender made of it).
    log = assistant.log.read_text(encoding="utf-8")
    assert QUESTION not in log and session not in log
    assert not SENDER.search(log)


async def test_the_next_message_has_another_id(assistant):
    session = uuid.uuid4().hex
    first, second = await ask(assistant, session), await ask(assistant, session)
    assert first != second
    assert await lines_of(assistant, second)


def test_every_process_logs_in_json(assistant):
    """Rasa's and Sanic's records too, though they bring handlers of their own;
    what is left are the warnings Python prints while a process imports, before
    its logging is set up (docs/operations.md)."""
    lines = assistant.log.read_text(encoding="utf-8").splitlines()
    records = [r for r in map(log_record, lines) if r is not None]
    assert {"launcher", "web", "rasa", "actions"} <= {r["process"] for r in records}
    in_text = [x for x in lines if log_record(x) is None and logged_level(x)]
    assert not in_text, "\n".join(in_text[:10])
