"""What an operator's tools see of the running assistant (issue 35): /livez,
/readyz and /metrics of `smartcity run`, counting what citizens just did."""

from __future__ import annotations

import re
import uuid

import aiohttp

from tests.e2e.chat import say

SAMPLE = re.compile(r"^(?P<name>[a-z_]+)(?P<labels>\{[^}]*\})? (?P<value>\S+)$")


async def _scrape(http: aiohttp.ClientSession, url: str) -> dict[str, float]:
    async with http.get(f"{url}/metrics") as answer:
        assert answer.status == 200
        text = await answer.text()
    samples = {}
    for line in text.splitlines():
        if match := SAMPLE.match(line):
            key = match["name"] + (match["labels"] or "")
            samples[key] = float(match["value"])
    return samples


async def test_probes_answer_on_loopback(assistant):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{assistant.web_url}/livez") as answer:
            assert answer.status == 200
        async with http.get(f"{assistant.web_url}/readyz") as answer:
            assert answer.status == 200, await answer.text()
            checks = (await answer.json())["checks"]
    assert checks == {"rasa": True, "actions": True, "database": True}


async def test_metrics_count_what_citizens_did(assistant):
    sender = f"ops-{uuid.uuid4().hex}"
    async with aiohttp.ClientSession() as http:
        before = await _scrape(http, assistant.web_url)
        # Through the widget's API: the web app's way to Rasa.
        async with http.post(
            f"{assistant.web_url}/api/chat",
            json={"session": uuid.uuid4().hex, "message": "Welche Projekte gibt es?"},
        ) as answer:
            assert answer.status == 200, await answer.text()
        await say(http, assistant.webhook, sender, "Wo verlängere ich meinen Pass?")
        await say(http, assistant.webhook, sender, "Ich habe einen Vorschlag")
        await say(http, assistant.webhook, sender, "abbrechen")
        after = await _scrape(http, assistant.web_url)

    def grew(key: str) -> float:
        return after.get(key, 0) - before.get(key, 0)

    assert grew('smartcity_messages_total{channel="web"}') >= 1
    assert grew('smartcity_messages_total{channel="rest"}') >= 3
    assert grew('smartcity_rasa_request_seconds_count{channel="web"}') >= 1
    assert grew('smartcity_rasa_requests_total{channel="web",outcome="ok"}') >= 1
    assert grew("smartcity_turn_seconds_count") >= 4
    assert grew('smartcity_action_seconds_count{action="action_out_of_scope"}') >= 1
    assert grew("smartcity_database_seconds_count") >= 1
    assert grew("smartcity_out_of_scope_total") >= 1
    started = grew('smartcity_forms_total{form="suggestion_form",outcome="started"}')
    assert started >= 1
    assert (
        grew('smartcity_forms_total{form="suggestion_form",outcome="abandoned"}') >= 1
    )
    assert after['smartcity_ready{check="database"}'] == 1
    assert after["smartcity_disk_free_bytes"] > 0
    assert "smartcity_suggestions" in {key.split("{")[0] for key in after}
