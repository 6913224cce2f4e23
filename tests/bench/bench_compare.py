"""This assistant side by side with the bot that `rasa init` generates.

    python -m tests.bench.bench_compare [--seconds S] [--levels 1,10,50] [--scale]

Both run on the Rasa in .venv, on this machine, in one run: the stock bot
(created and trained once under var/stock-bot) with its defaults, and this
assistant as `make run` starts it (SQLite, no other service). Locust, from the
tool environment, sends each bot its own conversation for S seconds at each
concurrency, alternating between the bots. With --scale the assistant also
runs on PostgreSQL and Redis with RASA_WORKERS=1 and =2.

Prints throughput, p50, p95, errors, Rasa's RSS after the load and the time
from start to ready, with ratios to stock; reports/bench/compare.json keeps
them. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.launcher import is_up
from core.settings import PROJECT_ROOT
from tests.e2e.assistant import free_port, start

STOCK_DIR = PROJECT_ROOT / "var" / "stock-bot"
LOCUST = PROJECT_ROOT / ".venv-tools" / "bin" / "locust"
LOCUSTFILE = PROJECT_ROOT / "tests" / "bench" / "locustfile.py"
RASA = [sys.executable, "-m", "rasa"]
WARM_UP_SECONDS = 8


@dataclass
class Bot:
    name: str
    conversation: str  # which conversation of the locustfile
    url: str
    rasa_pid: int
    ready_s: float
    results: dict = field(default_factory=dict)


def memory_mb(pid: int) -> tuple[float, float]:
    """RSS and PSS of a process and its Sanic workers, in MB.

    Forked workers share their parent's pages: RSS counts those in every
    process, PSS splits them between the processes that share them.
    """
    rss = pss = 0
    for each in [pid, *children(pid)]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
            rollup = Path(f"/proc/{each}/smaps_rollup").read_text()
        except OSError:
            continue
        rss += _kilobytes(status, "VmRSS:")
        pss += _kilobytes(rollup, "Pss:")
    return rss / 1024, pss / 1024


def _kilobytes(text: str, field: str) -> int:
    return int(next(x for x in text.splitlines() if x.startswith(field)).split()[1])


def children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in found]


def rasa_process(launcher_pid: int) -> int:
    for child in children(launcher_pid):
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        # `python -m bot.plugins.rasa_main run` (the launcher) or `rasa run`.
        rasa = b"rasa" in cmdline or b"bot.plugins.rasa_main" in cmdline
        if rasa and b"run" in cmdline:
            return child
    raise RuntimeError("the launcher runs no Rasa server")


def ensure_stock_bot() -> Path:
    """`rasa init` once; its model is reused until var/ is cleaned."""
    models = sorted((STOCK_DIR / "models").glob("*.tar.gz"))
    if models:
        return models[-1]
    STOCK_DIR.mkdir(parents=True, exist_ok=True)  # rasa init wants it to exist
    print("==> creating and training the stock `rasa init` bot (once)", flush=True)
    subprocess.run(
        [*RASA, "init", "--no-prompt", "--init-dir", str(STOCK_DIR)],
        cwd=STOCK_DIR, check=True, capture_output=True,
        env=dict(os.environ, RASA_TELEMETRY_ENABLED="false"),
    )  # fmt: skip
    return sorted((STOCK_DIR / "models").glob("*.tar.gz"))[-1]


@contextmanager
def stock_bot(model: Path):
    port = free_port()
    log = (STOCK_DIR / "bench.log").open("wb")
    began = time.monotonic()
    process = subprocess.Popen(
        [*RASA, "run", "--interface", "127.0.0.1", "--port", str(port),
         "--model", str(model), "--credentials", "credentials.yml",
         "--endpoints", "endpoints.yml"],
        cwd=STOCK_DIR, stdout=log, stderr=subprocess.STDOUT,
        env=dict(os.environ, RASA_TELEMETRY_ENABLED="false"),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        while not is_up(f"{url}/webhooks/rest/"):
            if process.poll() is not None:
                raise RuntimeError(
                    "the stock bot did not start; see var/stock-bot/bench.log"
                )
            time.sleep(0.2)
        yield Bot(
            "stock rasa init", "stock", url, process.pid, time.monotonic() - began
        )
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


@contextmanager
def assistant(name: str, workdir: Path, env: dict[str, str] | None = None):
    running = start(workdir, env)
    try:
        yield Bot(
            name, "smartcity", running.rasa_url,
            rasa_process(running.process.pid), running.ready_seconds,
        )  # fmt: skip
    finally:
        running.stop()


def locust(bot: Bot, users: int, seconds: int, workdir: Path) -> dict[str, float]:
    prefix = workdir / f"locust-{users}"
    subprocess.run(
        [str(LOCUST), "-f", str(LOCUSTFILE), "--headless", "--only-summary",
         "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
         "--host", bot.url, "--csv", str(prefix), "--loglevel", "WARNING",
         "--stop-timeout", "30", "--exit-code-on-error", "0"],
        env=dict(os.environ, BENCH_BOT=bot.conversation),
        check=True, capture_output=True,
    )  # fmt: skip
    with open(f"{prefix}_stats.csv", newline="") as stats:
        row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    return {
        "msg_per_s": float(row["Requests/s"]),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "requests": int(row["Request Count"]),
        "errors": int(row["Failure Count"]),
    }


def measure(bots: list[Bot], levels: list[int], seconds: int, workdir: Path) -> None:
    for bot in bots:
        locust(bot, 10, WARM_UP_SECONDS, workdir)  # caches, lazily built graphs
    for users in levels:
        for bot in bots:  # alternating: the machine's noise hits every bot
            figures = locust(bot, users, seconds, workdir)
            bot.results[f"c={users}"] = figures
            print(f"{bot.name:44} c={users:<3} {figures}", flush=True)
    for bot in bots:
        bot.results["rss_mb"], bot.results["pss_mb"] = memory_mb(bot.rasa_pid)
        bot.results["ready_s"] = bot.ready_s


def ratio(value: float, reference: float) -> str:
    return f"{value / reference:.2f}x" if reference else "-"


def table(bots: list[Bot], levels: list[int]) -> str:
    stock, rows = bots[0].results, []
    header = f"| | {' | '.join(b.name for b in bots[1:])} | {bots[0].name} |"
    rows += [header, "|---" * (len(bots) + 1) + "|"]

    def row(label: str, pick, digits: int = 1) -> None:
        cells = [
            f"{pick(b.results):.{digits}f} ({ratio(pick(b.results), pick(stock))})"
            for b in bots[1:]
        ]
        rows.append(f"| {label} | {' | '.join(cells)} | {pick(stock):.{digits}f} |")

    for users in levels:
        key = f"c={users}"
        row(f"throughput at {key} (msg/s)", lambda r, k=key: r[k]["msg_per_s"])
        row(f"p50 at {key} (ms)", lambda r, k=key: r[k]["p50_ms"], 0)
        row(f"p95 at {key} (ms)", lambda r, k=key: r[k]["p95_ms"], 0)
        row(f"errors at {key}", lambda r, k=key: r[k]["errors"], 0)
    row("Rasa RSS after the load (MB)", lambda r: r["rss_mb"], 0)
    row("Rasa PSS after the load (MB)", lambda r: r["pss_mb"], 0)
    row("start to ready (s)", lambda r: r["ready_s"])
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--levels", default="1,10,50")
    parser.add_argument(
        "--workers", default="1,2",
        help="RASA_WORKERS of the embedded assistant, one run each (default 1,2)",
    )  # fmt: skip
    parser.add_argument(
        "--scale", action="store_true",
        help="also PostgreSQL + Redis with RASA_WORKERS=1 and 2 (needs both)",
    )  # fmt: skip
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    if not LOCUST.exists():
        sys.exit(f"{LOCUST} is missing; run `make tools`")
    model = ensure_stock_bot()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        bots = [stack.enter_context(stock_bot(model))]
        for workers in (int(w) for w in args.workers.split(",")):
            bots.append(stack.enter_context(assistant(
                f"smartcity (SQLite, RASA_WORKERS={workers})",
                workdir / f"sqlite-{workers}", {"RASA_WORKERS": str(workers)},
            )))  # fmt: skip
        if args.scale:
            from tests.bench.scale import scaled_environment

            for workers in (1, 2):
                env = stack.enter_context(scaled_environment(workers))
                bots.append(stack.enter_context(assistant(
                    f"smartcity (PostgreSQL, Redis, RASA_WORKERS={workers})",
                    workdir / f"scaled-{workers}", env,
                )))  # fmt: skip
        measure(bots, levels, args.seconds, workdir)
    print()
    print(table(bots, levels))
    target = PROJECT_ROOT / "reports" / "bench" / "compare.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        json.dumps({b.name: b.results for b in bots}, indent=2) + "\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
