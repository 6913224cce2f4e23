"""Benchmark: what one turn costs as a conversation grows, and what long
conversations cost everyone else.

    python -m tests.bench.bench_long_conversation [--turns 1000] [--env KEY=VALUE]

Starts `smartcity run` on free loopback ports (SQLite, as `make run`), then
1. drives one conversation over Rasa's REST channel for --turns turns, six
   questions over and over, and reports the median of turns N-9..N for
   N = 10, 100, 300 and --turns;
2. measures a citizen asking one question a second for --seconds (fresh
   conversations of six turns): p50 and p95;
3. copies the long conversation's events to five more conversations (as if
   five scripts had talked that long; --repeat N repeats its turns N times,
   so that 100 driven turns make five conversations of 1,000 without the
   bound) and lets them go on at the widget's pace, 20 messages a minute
   each, while the citizen asks again: p50 and p95 beside them.

Without the bound (before issue 30): `--env SESSION_MAX_TURNS=1000000`.
Results also go to reports/bench/long_conversation.json. Not a test:
nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from tests.bench.bench_assistant import report
from tests.e2e.assistant import Assistant, start

# The conversation of tests/bench/locustfile.py (Locust is not in .venv).
QUESTIONS = (
    "Hallo",
    "Was ist die Mitmachplattform?",
    "Welche Veranstaltungen gibt es?",
    "Wie kann ich mitmachen?",
    "Was ist ein digitaler Zwilling?",
    "Danke, tschüss",
)
LONG_CONVERSATIONS = 5
WIDGET_PER_MINUTE = 20


async def turn(http: aiohttp.ClientSession, webhook: str, sender: str, text: str):
    began = time.perf_counter()
    async with http.post(webhook, json={"sender": sender, "message": text}) as r:
        body = await r.json()
        if r.status != 200 or not body:
            raise RuntimeError(f"{text!r}: HTTP {r.status} {body}")
    return time.perf_counter() - began


async def one_long_conversation(webhook: str, sender: str, turns: int) -> list[float]:
    timings = []
    async with aiohttp.ClientSession() as http:
        for index in range(turns):
            timings.append(await turn(http, webhook, sender, QUESTIONS[index % 6]))
            if (index + 1) % 100 == 0:
                print(f"turn {index + 1}: {timings[-1] * 1000:.0f} ms", flush=True)
    return timings


async def citizen(webhook: str, seconds: float) -> list[float]:
    """A citizen asking one question a second, six per conversation."""
    timings, index = [], 0
    deadline = time.perf_counter() + seconds
    async with aiohttp.ClientSession() as http:
        while time.perf_counter() < deadline:
            if index % 6 == 0:
                sender = uuid.uuid4().hex
            began = time.perf_counter()
            timings.append(await turn(http, webhook, sender, QUESTIONS[index % 6]))
            index += 1
            await asyncio.sleep(max(0.0, 1 - (time.perf_counter() - began)))
    return timings


async def at_widget_pace(
    webhook: str, sender: str, stop: asyncio.Event, offset: float
) -> list:
    """`offset`: scripts of their own do not all write at the same instant."""
    timings, index = [], 0
    await asyncio.sleep(offset)
    async with aiohttp.ClientSession() as http:
        while not stop.is_set():
            began = time.perf_counter()
            timings.append(await turn(http, webhook, sender, QUESTIONS[index % 6]))
            index += 1
            pause = 60 / WIDGET_PER_MINUTE - (time.perf_counter() - began)
            if pause > 0:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)
    return timings


def copy_conversation(
    tracker_db: Path, sender: str, copies: list[str], times: int = 1
) -> int:
    """The conversation's stored events under other senders, its turns
    repeated `times` times (one session, as one script writing that long),
    the last repetition at the original times. Returns the events per copy."""
    with sqlite3.connect(tracker_db, timeout=30) as db:
        rows = db.execute(
            "SELECT type_name, timestamp, intent_name, action_name, data FROM events"
            " WHERE sender_id = ? ORDER BY id",
            (sender,),
        ).fetchall()
        head, body = rows[:2], rows[2:]  # action_session_start, session_started
        span = body[-1][1] - body[0][1] + 1
        for copy in copies:
            copied = list(head)
            for repetition in range(times):
                shift = (repetition - times + 1) * span
                for kind, stamp, intent, action, data in body:
                    event = json.loads(data)
                    event["timestamp"] = stamp + shift
                    copied.append(
                        (kind, stamp + shift, intent, action, json.dumps(event))
                    )
            db.executemany(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name,"
                " action_name, data) VALUES (?, ?, ?, ?, ?, ?)",
                [(copy, *row) for row in copied],
            )
    return len(head) + len(body) * times


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share * 100) - 1]


def ms(value: float) -> float:
    return round(value * 1000, 1)


async def measure(assistant: Assistant, args: argparse.Namespace) -> dict:
    results: dict = {}
    webhook, turns = assistant.webhook, args.turns
    await citizen(webhook, 5)  # warm-up
    sender = uuid.uuid4().hex
    timings = await one_long_conversation(webhook, sender, turns)
    for n in sorted({10, 100, 300, 1000, turns}):
        if n <= turns:
            results[f"turn_{n}_median_ms"] = ms(statistics.median(timings[n - 10 : n]))
    results["turn_last_vs_10"] = round(
        results[f"turn_{turns}_median_ms"] / results["turn_10_median_ms"], 2
    )

    alone = await citizen(webhook, args.seconds)
    results["citizen_alone_p50_ms"] = ms(statistics.median(alone))
    results["citizen_alone_p95_ms"] = ms(percentile(alone, 0.95))

    long_ones = [uuid.uuid4().hex for _ in range(LONG_CONVERSATIONS)]
    results["long_conversation_events"] = copy_conversation(
        assistant.tracker_db, sender, long_ones, args.repeat
    )
    stop = asyncio.Event()
    gap = 60 / WIDGET_PER_MINUTE / LONG_CONVERSATIONS
    runners = [
        asyncio.ensure_future(at_widget_pace(webhook, each, stop, n * gap))
        for n, each in enumerate(long_ones)
    ]
    beside = await citizen(webhook, args.seconds)
    stop.set()
    long_timings = [t for each in await asyncio.gather(*runners) for t in each]
    results["citizen_beside_p50_ms"] = ms(statistics.median(beside))
    results["citizen_beside_p95_ms"] = ms(percentile(beside, 0.95))
    results["citizen_p95_beside_vs_alone"] = round(
        results["citizen_beside_p95_ms"] / results["citizen_alone_p95_ms"], 2
    )
    results["long_turns_beside"] = len(long_timings)
    results["long_turn_median_ms"] = ms(statistics.median(long_timings))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--repeat", type=int, default=1,
        help="the five long conversations repeat the driven one's turns N times",
    )  # fmt: skip
    parser.add_argument(
        "--env", action="append", default=[], help="KEY=VALUE for `smartcity run`"
    )
    args = parser.parse_args()
    env = dict(each.split("=", 1) for each in args.env)
    assistant = start(Path(tempfile.mkdtemp()), env)
    try:
        results = asyncio.run(measure(assistant, args))
    finally:
        assistant.stop()
    report(results, "long_conversation")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
