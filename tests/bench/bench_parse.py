"""Benchmark of NLU alone: Rasa's /model/parse on the held-out test utterances.

    python -m tests.bench.bench_parse [--rounds N]

Starts `rasa run --enable-api` on a free loopback port with the trained model,
sends every held-out utterance N times in sequence after a warm-up, on one
kept-alive connection as a channel client would, and prints
the median and p95. Results also go to reports/bench/parse.json. Not a test:
nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rasa.shared.nlu.training_data.loading import load_data

from bot.launcher import find_model, is_up
from core.settings import PROJECT_ROOT
from tests.bench.bench_assistant import report
from tests.e2e.assistant import free_port
from tests.nlu.quality import TEST_SET


def parse_once(connection: http.client.HTTPConnection, text: str) -> float:
    """One /model/parse round trip on a kept-alive connection, as clients do."""
    body = json.dumps({"text": text})
    began = time.perf_counter()
    connection.request(
        "POST", "/model/parse", body, {"Content-Type": "application/json"}
    )
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - began
    if response.status != 200:
        raise RuntimeError(f"/model/parse answered {response.status}")
    return elapsed


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
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for text in texts[:20]:
            parse_once(connection, text)
        timings = [parse_once(connection, t) for _ in range(args.rounds) for t in texts]
        connection.close()
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
    report(results, "parse")
    return 0


if __name__ == "__main__":
    sys.exit(main())
