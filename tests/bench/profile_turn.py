"""Where one message's time goes, through Rasa's own MessageProcessor.

    python -m tests.bench.profile_turn [--turns N] [--html FILE]

Runs the real action server on a fresh SQLite database and, in this process,
Rasa's Agent with the trained model and the project's tracker store. Profiles
N question turns with pyinstrument, then times one turn on conversations of
10, 100 and 1,000 stored events. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bot.launcher import find_model, is_up
from core.settings import PROJECT_ROOT
from tests.bench.bench_assistant import report
from tests.e2e.assistant import EXAMPLE_CONTENT, free_port

# A custom action (project info), a retrieval answer, an utterance, a list.
TURNS = (
    "Was ist die Mitmachplattform?",
    "Was ist ein digitaler Zwilling?",
    "Hallo",
    "Welche Veranstaltungen gibt es?",
)
HISTORY_LENGTHS = (10, 100, 1000)


def start_action_server(workdir: Path) -> tuple[subprocess.Popen, dict[str, str]]:
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{workdir / 'assistant.db'}",
        SMARTCITY_VAR_DIR=str(workdir / "var"),
        ACTION_PORT=str(port),
        TRACKER_STORE_URL=f"sqlite:///{workdir / 'var' / 'tracker.db'}",
    )
    cli = [sys.executable, "-m", "bot.cli"]
    for args in (["db", "upgrade"], ["content", "import", str(EXAMPLE_CONTENT)]):
        subprocess.run([*cli, *args], env=env, cwd=PROJECT_ROOT, check=True,
                       capture_output=True)  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "actions.server"], env=env, cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    while not is_up(f"http://127.0.0.1:{port}/health"):
        if server.poll() is not None:
            raise RuntimeError("the action server did not start")
        time.sleep(0.2)
    env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{port}/webhook"
    return server, env


async def load_agent(env: dict[str, str], tuned: bool = True):
    """Rasa's Agent as the server runs it; tuned=False leaves out our changes
    to Rasa (bot.plugins.rasa_patches)."""
    os.environ.update(env)
    if tuned:
        from bot.plugins import rasa_patches

        rasa_patches.apply()
    from rasa.core.agent import load_agent as rasa_load_agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # Rasa logs every event at DEBUG in-process; logging must not be measured.
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    from rasa.core.utils import AvailableEndpoints

    endpoints = AvailableEndpoints.read_endpoints(str(PROJECT_ROOT / "endpoints.yml"))
    return await rasa_load_agent(
        model_path=str(find_model(PROJECT_ROOT / "models")), endpoints=endpoints
    )


async def turn(agent, sender: str, text: str) -> float:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    began = time.perf_counter()
    await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender))
    return time.perf_counter() - began


async def profile(agent, turns: int, html: Path | None) -> dict[str, float]:
    from pyinstrument import Profiler

    for text in TURNS:  # warm-up: caches, lazily built graphs
        await turn(agent, uuid.uuid4().hex, text)
    profiler = Profiler(interval=0.0005, async_mode="enabled")
    timings: dict[str, list[float]] = {text: [] for text in TURNS}
    profiler.start()
    for index in range(turns):
        text = TURNS[index % len(TURNS)]
        timings[text].append(await turn(agent, uuid.uuid4().hex, text))
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if html:
        html.write_text(profiler.output_html(), encoding="utf-8")
    return {
        f"turn_ms_median[{t}]": statistics.median(v) * 1000 for t, v in timings.items()
    }


async def history_growth(agent) -> dict[str, float]:
    """One turn's time on a conversation that already holds N events."""
    results = {}
    for length in HISTORY_LENGTHS:
        sender = uuid.uuid4().hex
        tracker = await agent.tracker_store.get_or_create_tracker(sender)
        while len(tracker.events) < length:
            await turn(agent, sender, TURNS[len(tracker.events) % len(TURNS)])
            tracker = await agent.tracker_store.retrieve(sender)
        timings = [await turn(agent, sender, "Hallo") for _ in range(7)]
        results[f"history_{len(tracker.events)}_events_turn_ms_median"] = (
            statistics.median(timings) * 1000
        )
    return results


async def main_async(args) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as workdir:
        server, env = start_action_server(Path(workdir))
        try:
            agent = await load_agent(env, tuned=not args.stock_rasa)
            results = await profile(agent, args.turns, args.html)
            results.update(await history_growth(agent))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML view")
    parser.add_argument(
        "--stock-rasa",
        action="store_true",
        help="without our changes to Rasa (bot.plugins.rasa_patches)",
    )
    args = parser.parse_args()
    report(asyncio.run(main_async(args)), "profile")
    return 0


if __name__ == "__main__":
    sys.exit(main())
