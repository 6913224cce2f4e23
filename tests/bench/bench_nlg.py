"""What rendering one answer costs with staff edits, in process or by callback.

    python -m tests.bench.bench_nlg [--calls N]

Seeds a fresh SQLite database with the domain's answers and ten staff edits,
then renders N answers (an FAQ answer, the greeting, a form question) with:
Rasa's stock TemplatedNaturalLanguageGenerator; bot.plugins.nlg as
endpoints.yml configures it (looks for edits once a second); the same looking
on every call (the worst case); and Rasa's CallbackNaturalLanguageGenerator
against an aiohttp NLG server on loopback that answers from the same edits
(the other way issue 33.1 names). Then what the action server adds to a
computed answer: reading the edits' revision in the action's transaction and
filling the project card's template (actions/sdk/wording.py). Prints the
median and p95 per answer in microseconds; reports/bench/nlg.json keeps them.
Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp import web
from rasa.core.nlg import (
    CallbackNaturalLanguageGenerator,
    TemplatedNaturalLanguageGenerator,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import Tracker

from actions.db import responses as answers
from actions.db.session import in_transaction, upgrade
from actions.sdk.wording import wording
from bot.plugins.nlg import EditableResponses
from core.responses import STANDARD, domain_responses, shipped_texts
from core.settings import PROJECT_ROOT, get_settings
from tests.e2e.assistant import free_port

ASKED = ("utter_faq/cdo", "utter_greet", "utter_ask_suggestion_text")
REPORT = PROJECT_ROOT / "reports" / "bench" / "nlg.json"


def seed(url: str) -> None:
    upgrade(url)

    def work(session):
        answers.seed(session, shipped_texts())
        for name in sorted(domain_responses())[:10]:
            text = domain_responses()[name].text
            answers.edit(session, name, STANDARD, text + " (geändert)", "bench")

    in_transaction(url, work)


async def timed(generator, tracker, calls: int) -> dict[str, float]:
    times = []
    for i in range(calls):
        began = time.perf_counter()
        await generator.generate(ASKED[i % len(ASKED)], tracker, "rest")
        times.append((time.perf_counter() - began) * 1e6)
    times.sort()
    return {
        "median_us": round(statistics.median(times), 1),
        "p95_us": round(times[int(len(times) * 0.95)], 1),
    }


def timed_template(url: str, calls: int) -> dict[str, float]:
    """A project card from its template, with the revision read as an action
    reads it: in the read-only transaction the action already holds."""
    tracker = Tracker("bench", {}, {}, [], False, None, {}, "")
    card = {"name": "KL MitWirkung", "summary": "Die Mitmachplattform.",
            "topic": "Beteiligung", "status": "im Betrieb", "place": "stadtweit",
            "contact": None, "url": "https://www.example.org"}  # fmt: skip

    def work(session) -> list[float]:
        times = []
        for _ in range(calls):
            began = time.perf_counter()
            wording(session, tracker)("tpl_project_card", **card)
            times.append((time.perf_counter() - began) * 1e6)
        return times

    times = sorted(in_transaction(url, work, read_only=True))
    return {
        "median_us": round(statistics.median(times), 1),
        "p95_us": round(times[int(len(times) * 0.95)], 1),
    }


async def callback_server(editable: EditableResponses, port: int) -> web.AppRunner:
    """Rasa's NLG callback protocol, answered from the same edits."""

    async def generate(request: web.Request) -> web.Response:
        body = await request.json()
        await editable.refresh()
        response = editable.generate_from_slots(
            body["response"], body["tracker"].get("slots", {}), "rest"
        )
        return web.json_response(response or {"text": None})

    app = web.Application()
    app.router.add_post("/nlg", generate)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def main_async(calls: int) -> dict:
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    tracker = DialogueStateTracker.from_events("bench", [], slots=domain.slots)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        seed(url)
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        config = "bot.plugins.nlg.EditableResponses"
        every_second = EditableResponses(
            EndpointConfig(type=config, refresh_seconds=1), domain
        )
        every_call = EditableResponses(
            EndpointConfig(type=config, refresh_seconds=0), domain
        )
        port = free_port()
        runner = await callback_server(every_second, port)
        callback = CallbackNaturalLanguageGenerator(
            EndpointConfig(url=f"http://127.0.0.1:{port}/nlg")
        )
        try:
            results = {
                "stock TemplatedNaturalLanguageGenerator": await timed(
                    TemplatedNaturalLanguageGenerator(domain.responses), tracker, calls
                ),
                "EditableResponses, looks once a second": await timed(
                    every_second, tracker, calls
                ),
                "EditableResponses, looks on every call": await timed(
                    every_call, tracker, calls
                ),
                "CallbackNaturalLanguageGenerator on loopback": await timed(
                    callback, tracker, calls
                ),
                "action server: revision + project card template": timed_template(
                    url, calls
                ),
            }
        finally:
            await runner.cleanup()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    results = asyncio.run(main_async(parser.parse_args().calls))
    for name, figures in results.items():
        print(f"{name:48} {figures}")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
