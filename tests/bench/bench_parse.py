"""Benchmark of NLU alone: Rasa's /model/parse on the held-out test utterances.

    python -m tests.bench.bench_parse [--rounds N]

Starts `rasa run --enable-api` on a free loopback port with the trained model,
sends every held-out utterance N times in sequence after a warm-up, and prints
the median and p95. Results also go to reports/bench/parse.json. Not a test:
nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from rasa.shared.nlu.training_data.loading import load_data

from bot.launcher import find_model, is_up
from bot.settings import PROJECT_ROOT
from tests.e2e.assistant import free_port

TEST_SET = PROJECT_ROOT / "tests" / "nlu" / "test_set.yml"


def parse_once(url: str, text: str) -> float:
    body = json.dumps({"text": text}).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}
    )
    began = time.perf_counter()
    # The URL is built here from a loopback port, never from input.
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    texts = [message.get("text") for message in load_data(str(TEST_SET)).nlu_examples]
    model = find_model(PROJECT_ROOT / "models")
    port = free_port()
    # Parsing needs neither the action server nor the tracker store.
    no_endpoints = Path(tempfile.mkdtemp()) / "endpoints.yml"
    no_endpoints.write_text("# no action server, in-memory tracker store\n{}\n")
    server = subprocess.Popen(
        [sys.executable, "-m", "rasa", "run", "--enable-api", "--interface",
         "127.0.0.1", "--port", str(port), "--model", str(model),
         "--endpoints", str(no_endpoints)],
        cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=dict(os.environ, RASA_TELEMETRY_ENABLED="false"),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not is_up(f"http://127.0.0.1:{port}/status"):
            if server.poll() is not None or time.monotonic() > deadline:
                print("error: Rasa did not start", file=sys.stderr)
                return 1
            time.sleep(1)
        url = f"http://127.0.0.1:{port}/model/parse"
        for text in texts[:20]:
            parse_once(url, text)
        timings = [parse_once(url, t) for _ in range(args.rounds) for t in texts]
    finally:
        server.terminate()
        server.wait(timeout=60)

    results = {
        "model": model.name,
        "utterances": len(texts),
        "requests": len(timings),
        "parse_ms_median": statistics.median(timings) * 1000,
        "parse_ms_p95": statistics.quantiles(timings, n=20)[18] * 1000,
    }
    for key, value in results.items():
        print(
            f"{key:20} {value:.2f}" if isinstance(value, float) else f"{key:20} {value}"
        )
    target = PROJECT_ROOT / "reports" / "bench" / "parse.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
