"""Benchmark of a model switch under load: what citizens notice of a deploy.

    python -m tests.bench.bench_model_switch [--clients N] [--workers N]

Starts `smartcity run` with RASA_WORKERS=2 (default) on a copy of the trained
model; citizens (--clients, each its own sender) type to the REST channel
without a pause from before `smartcity model deploy` until after it is done.
The deployed model is the trained one re-packed under a new model_id (a
second training would take minutes and change nothing here). Prints requests,
errors, p50 and p95 before the deploy, while it checks the model (its own
process loads it and runs the test stories and the NLU gate: CPU the workers
miss on a small host) and during the switch (from the record being written to
the last worker serving the new model), and how long the switch and the whole
deploy took; reports/bench/model_switch.json
keeps them. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from tests.bench.bench_assistant import report
from tests.e2e.model_switch import (
    Load,
    deploy,
    deployed_record,
    figures,
    repacked,
    start_with_own_models,
    switch_window,
    wait_for_workers,
)

WARM_UP_SECONDS = 3.0
BEFORE_SECONDS = 10.0
AFTER_SECONDS = 3.0


async def measure(workdir: Path, clients: int, workers: int) -> dict:
    assistant = start_with_own_models(workdir, workers)
    try:
        var_dir = workdir / "var"
        wait_for_workers(var_dir, workers)
        model = workdir / "next-model.tar.gz"
        repacked(workdir / "models" / "smartcity.tar.gz", model)
        load = Load(assistant.webhook, clients=clients)
        running = asyncio.create_task(load.run())
        await asyncio.sleep(WARM_UP_SECONDS)
        measured_from = time.time()
        await asyncio.sleep(BEFORE_SECONDS)
        code, output, began, ended = await deploy(assistant, model)
        await asyncio.sleep(AFTER_SECONDS)
        load.stop.set()
        await running
        if code != 0:
            raise RuntimeError(f"the deploy failed:\n{output}")
        print(output)
        serial = deployed_record(var_dir)["serial"]
        start, end = switch_window(var_dir, serial)
        errors = [s.error for s in load.samples if s.error]
        return {
            "workers": workers,
            "clients": clients,
            "before": figures(load.between(measured_from, began)),
            "during_checks": figures(load.between(began, start)),
            "during_switch": figures(load.overlapping(start, end)),
            "all": figures(load.samples),
            "switch_s": round(end - start, 2),
            "deploy_with_checks_s": round(ended - began, 1),
            "first_errors": errors[:3],
        }
    finally:
        assistant.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        results = asyncio.run(measure(Path(workdir), args.clients, args.workers))
    flat = {
        f"{phase}_{key}": value
        for phase in ("before", "during_checks", "during_switch", "all")
        for key, value in results.pop(phase).items()
    }
    report({**results, **flat}, "model_switch")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
