"""What counting costs: one turn's metrics, and one scrape of a busy host.

    python -m tests.bench.bench_metrics [--calls N]

Runs in prometheus-client's multiprocess mode, as `smartcity run` does (a
fresh PROMETHEUS_MULTIPROC_DIR). Measures, per call: a counter increment, a
histogram observation, and bot.plugins.turn_metrics.count on the events of a
typical form turn; then what one turn adds in all (the counts the Rasa
worker, the web app and the action server make for one message: see
TURN below); then one /metrics render over the files of 8 processes with
every metric touched. Prints medians and p95 in microseconds (the scrape in
milliseconds); reports/bench/metrics.json keeps them. Nothing asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

from core.settings import PROJECT_ROOT

REPORT = PROJECT_ROOT / "reports" / "bench" / "metrics.json"
PROCESSES = 8


def _timed(work, calls: int) -> list[float]:
    times = []
    for _ in range(calls):
        began = time.perf_counter()
        work()
        times.append((time.perf_counter() - began) * 1e6)
    return times


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median": round(statistics.median(ordered), 2),
        "p95": round(ordered[int(len(ordered) * 0.95)], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="metrics-bench-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory  # before the first import

    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

    from bot.plugins import turn_metrics
    from bot.shared.probes import _counted
    from core import metrics

    events = [
        UserUttered("…", {"name": "inform", "confidence": 0.9}),
        ActionExecuted("suggestion_form"),
        SlotSet("suggestion_text", "…"),
        SlotSet("requested_slot", "suggestion_topic"),
        ActionExecuted("action_listen"),
    ]

    def turn() -> None:
        # What one message counts, in whichever process: Rasa's channel and
        # tracker store, the web app's client, one action, two transactions.
        metrics.messages.labels("web").inc()
        metrics.turn_seconds.observe(0.03)
        turn_metrics.count(events, events)
        metrics.rasa_request_seconds.labels("web").observe(0.04)
        metrics.rasa_requests.labels("web", "ok").inc()
        metrics.action_seconds.labels("validate_suggestion_form").observe(0.01)
        metrics.database_seconds.observe(0.002)
        metrics.database_seconds.observe(0.002)

    results = {
        "counter_inc": _summary(_timed(metrics.nlu_fallbacks.inc, args.calls)),
        "histogram_observe": _summary(
            _timed(lambda: metrics.turn_seconds.observe(0.03), args.calls)
        ),
        "turn_metrics_count": _summary(
            _timed(lambda: turn_metrics.count(events, events), args.calls)
        ),
        "one_turn_in_all": _summary(_timed(turn, args.calls)),
    }
    # A busy host: the files of several processes, every metric touched.
    for name in os.listdir(directory):
        for copy in range(1, PROCESSES):
            source = os.path.join(directory, name)
            stem = name.rsplit("_", 1)[0]
            with open(source, "rb") as original:
                data = original.read()
            with open(
                os.path.join(directory, f"{stem}_{900000 + copy}.db"), "wb"
            ) as out:
                out.write(data)
    from prometheus_client import generate_latest

    scrape = [t / 1000 for t in _timed(lambda: generate_latest(_counted()), 50)]
    results["scrape_ms_8_processes"] = _summary(scrape)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"{'what':28} {'median':>10} {'p95':>10}")
    for name, figures in results.items():
        unit = "ms" if name.startswith("scrape") else "µs"
        print(f"{name:28} {figures['median']:>8} {unit} {figures['p95']:>8} {unit}")


if __name__ == "__main__":
    main()
