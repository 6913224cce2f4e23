"""Benchmark of the bad-input catalogue: how long each hostile text takes to
be answered through the web app, and how long another citizen's normal
question sent at the same moment waits.

    python -m tests.bench.bench_bad_input [--rounds N]

Starts `smartcity run` on free loopback ports (as the e2e tests do), warms
up, then sends each text of tests/e2e/test_bad_input.py CHAT_TEXTS with a
normal question beside it, N rounds, and prints medians and the maximum.
Results also go to reports/bench/bad_input.json. Not a test: nothing here
asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from tests.bench.bench_assistant import report
from tests.e2e.assistant import start
from tests.e2e.test_bad_input import CHAT_TEXTS, NORMAL


async def chat(http: aiohttp.ClientSession, url: str, text: str) -> float:
    began = time.perf_counter()
    body = {"session": uuid.uuid4().hex, "message": text}
    async with http.post(f"{url}/api/chat", json=body) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"{text[:30]!r}: HTTP {response.status}")
    return time.perf_counter() - began


async def measure(url: str, rounds: int) -> dict:
    results: dict = {}
    async with aiohttp.ClientSession() as http:
        for _ in range(3):
            await chat(http, url, NORMAL)  # warm-up
        for name, text in CHAT_TEXTS.items():
            hostile, beside = [], []
            for _ in range(rounds):
                attack = asyncio.ensure_future(chat(http, url, text))
                await asyncio.sleep(0.01)
                normal = await chat(http, url, NORMAL)
                hostile.append(await attack)
                beside.append(normal)
            results[name] = {
                "median_s": round(statistics.median(hostile), 3),
                "max_s": round(max(hostile), 3),
                "beside_median_s": round(statistics.median(beside), 3),
                "beside_max_s": round(max(beside), 3),
            }
            print(f"{name:<28} {results[name]}")
    longest = max(r["max_s"] for r in results.values())
    beside = max(r["beside_max_s"] for r in results.values())
    results["longest_answer_s"], results["longest_beside_s"] = longest, beside
    print(
        f"longest answer {longest:.3f} s; longest normal question beside {beside:.3f} s"
    )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    # Generous limits: this measures time, not the rate limits.
    assistant = start(
        Path(tempfile.mkdtemp()),
        {"WEB_ADDRESS_PER_MINUTE": "100000", "WEB_CHAT_PER_MINUTE": "1000",
         "WEB_GLOBAL_PER_MINUTE": "100000"},
    )  # fmt: skip
    try:
        results = asyncio.run(measure(assistant.web_url, args.rounds))
    finally:
        assistant.stop()
    report(results, "bad_input")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
