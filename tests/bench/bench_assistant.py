"""Benchmark of the running assistant: model load, readiness and REST round trip.

    python -m tests.bench.bench_assistant [--requests N] [--train]

Figures are medians of one run on this machine; results also go to
reports/bench/assistant.json. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from bot.launcher import find_model
from core.settings import PROJECT_ROOT
from tests.e2e.assistant import start

QUESTION = "Was ist die Mitmachplattform?"
LOAD_SNIPPET = """
import json, time
t0 = time.perf_counter()
from rasa.core.agent import Agent
t1 = time.perf_counter()
Agent.load(model_path={model!r})
t2 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "load_s": t2 - t1}}))
"""


def model_load(model: Path, runs: int) -> dict[str, float]:
    loads, imports = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", LOAD_SNIPPET.format(model=str(model))],
            cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        loads.append(figures["load_s"])
        imports.append(figures["import_s"])
    return {"model_load_s_median": statistics.median(loads),
            "rasa_import_s_median": statistics.median(imports)}  # fmt: skip


async def round_trips(webhook: str, count: int) -> list[float]:
    timings = []
    async with aiohttp.ClientSession() as http:
        for index in range(count + 5):
            began = time.perf_counter()
            async with http.post(
                webhook, json={"sender": uuid.uuid4().hex, "message": QUESTION}
            ) as r:
                body = await r.json()
            elapsed = time.perf_counter() - began
            if not any("MitWirkung" in (m.get("text") or "") for m in body):
                raise RuntimeError(f"unexpected answer: {body}")
            if index >= 5:  # the first requests warm caches
                timings.append(elapsed)
    return timings


FORM_STEPS = ("Ich möchte einen Vorschlag machen", "{idea}", '/inform{{"topic":"Mobilität"}}',
              '/inform{{"choice":"skip"}}', '/inform{{"choice":"none"}}',
              '/inform{{"choice":"private"}}')  # fmt: skip


async def suggestion_confirms(webhook: str, count: int) -> list[float]:
    """Round trip of the final confirmation; the row is committed before the reply."""
    timings = []
    async with aiohttp.ClientSession() as http:
        for index in range(count):
            sender = uuid.uuid4().hex
            for step in FORM_STEPS:
                text = step.format(
                    idea=f"Benchmark-Idee {index}: mehr Bäume ({sender[:6]})"
                )
                async with http.post(
                    webhook, json={"sender": sender, "message": text}
                ) as r:
                    await r.json()
            began = time.perf_counter()
            async with http.post(
                webhook, json={"sender": sender, "message": "/affirm"}
            ) as r:
                body = await r.json()
            timings.append(time.perf_counter() - began)
            if not any("Vorgangsnummer" in (m.get("text") or "") for m in body):
                raise RuntimeError(f"no reference in {body}")
    return timings


def report(results: dict, name: str) -> None:
    """Print the figures and keep them in reports/bench/<name>.json."""
    for key, value in results.items():
        print(
            f"{key:28} {value:.3f}" if isinstance(value, float) else f"{key:28} {value}"
        )
    target = PROJECT_ROOT / "reports" / "bench" / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2) + "\n")


def train_time() -> float:
    """A cold training: an empty graph cache, so no component is restored."""
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
        env = dict(
            os.environ, RASA_CACHE_DIRECTORY=cache, RASA_TELEMETRY_ENABLED="false"
        )
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "rasa", "train", "--force", "--out", out,
             "--data", "data/nlu", "data/stories", "data/rules"],
            cwd=PROJECT_ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--load-runs", type=int, default=3)
    parser.add_argument("--suggestions", type=int, default=20)
    parser.add_argument(
        "--train", action="store_true", help="also time a forced training"
    )
    args = parser.parse_args()

    results: dict[str, float | int | str] = {
        "model": find_model(PROJECT_ROOT / "models").name
    }
    results.update(model_load(find_model(PROJECT_ROOT / "models"), args.load_runs))
    with tempfile.TemporaryDirectory() as workdir:
        assistant = start(Path(workdir))
        try:
            results["ready_s"] = assistant.ready_seconds
            timings = asyncio.run(round_trips(assistant.webhook, args.requests))
            confirms = asyncio.run(
                suggestion_confirms(assistant.webhook, args.suggestions)
            )
        finally:
            assistant.stop()
    results["requests"] = len(timings)
    results["rest_roundtrip_ms_median"] = statistics.median(timings) * 1000
    results["rest_roundtrip_ms_p95"] = statistics.quantiles(timings, n=20)[18] * 1000
    results["suggestion_confirm_ms_median"] = statistics.median(confirms) * 1000
    results["suggestion_confirm_ms_p95"] = (
        statistics.quantiles(confirms, n=20)[18] * 1000
    )
    if args.train:
        results["train_s"] = train_time()

    report(results, "assistant")
    return 0


if __name__ == "__main__":
    sys.exit(main())
