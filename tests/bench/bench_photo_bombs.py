"""Benchmark of photo bombs: the web process's memory while the decompression
bombs of tests/e2e/test_bad_input_uploads.py (one per format) are uploaded
in parallel, and how long a citizen's question waits meanwhile.

    python -m tests.bench.bench_photo_bombs [--rounds N] [--only "png rgb at budget"]

Starts `smartcity run` on free loopback ports (as the e2e tests do), warms
up, measures the web process's resident memory at rest, then N times: eight
fresh sessions start the suggestion form (a photo is only decoded while the
form asks), all bombs go up at once, and a citizen asks one question after
another until the last bomb is answered. The peak is the kernel's high-water
mark of the web process (VmHWM, reset after the warm-up), not a sample.
Results also go to reports/bench/photo_bombs.json. Not a test: nothing here
asserts a figure (the target is at most 300 MB above idle).
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
from tests.bench.bench_compare import children
from tests.e2e.assistant import Assistant, start
from tests.e2e.test_bad_input import NORMAL, NORMAL_ANSWER
from tests.e2e.test_bad_input_uploads import BOMBS, START_FORM

MB = 1024 * 1024


def web_process(assistant: Assistant) -> int:
    for child in children(assistant.process.pid):
        if b"bot.server" in Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0"):
            return child
    raise RuntimeError("the launcher runs no web app")


def status_kb(pid: int, field: str) -> int:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return int(next(x for x in lines if x.startswith(field)).split()[1])


def reset_peak(pid: int) -> None:
    """From now on VmHWM is the peak of what follows (Linux: clear_refs 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


async def ask(http: aiohttp.ClientSession, url: str, session: str, text: str) -> dict:
    async with http.post(
        f"{url}/api/chat", json={"session": session, "message": text}
    ) as response:
        body = await response.json()
        if response.status != 200:
            raise RuntimeError(f"{text[:30]!r}: HTTP {response.status} {body}")
        return body


async def upload(http, url: str, session: str, bomb: bytes) -> tuple[int, float]:
    began = time.perf_counter()
    form = aiohttp.FormData()
    form.add_field("session", session)
    form.add_field("photo", bomb, filename="foto.jpg", content_type="image/jpeg")
    async with http.post(f"{url}/api/photos", data=form) as response:
        await response.read()
        return response.status, time.perf_counter() - began


async def citizen(http, url: str, done: asyncio.Event) -> list[float]:
    """One question after another until the bombs are answered (at least five)."""
    timings: list[float] = []
    while not done.is_set() or len(timings) < 5:
        began = time.perf_counter()
        body = await ask(http, url, uuid.uuid4().hex, NORMAL)
        timings.append(time.perf_counter() - began)
        if NORMAL_ANSWER not in body["messages"][0]["text"]:
            raise RuntimeError(f"unexpected answer: {body}")
    return timings


async def one_round(http, url: str, bombs: dict[str, bytes]) -> tuple[dict, list]:
    sessions = {name: uuid.uuid4().hex for name in bombs}
    for session in sessions.values():
        await ask(http, url, session, START_FORM)
    done = asyncio.Event()
    asking = asyncio.create_task(citizen(http, url, done))
    await asyncio.sleep(0.05)  # the citizen is waiting for an answer already
    results = await asyncio.gather(
        *(upload(http, url, sessions[name], bomb) for name, bomb in bombs.items())
    )
    done.set()
    return dict(zip(bombs, results, strict=True)), await asking


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def measure(assistant: Assistant, rounds: int, only: str | None) -> dict:
    url, pid = assistant.web_url, web_process(assistant)
    bombs = {name: build() for name, (build, _outcome) in BOMBS.items()}
    if only is not None:  # the worst case: every upload the same bomb
        bombs = {f"{only} #{n + 1}": bombs[only] for n in range(len(bombs))}
    async with aiohttp.ClientSession() as http:
        for _ in range(5):  # warm-up: the chat, and one photo decoded
            await ask(http, url, uuid.uuid4().hex, NORMAL)
        warm = BOMBS["jpeg 24 mp flat"][0]()
        await one_round(http, url, {"jpeg 24 mp flat": warm})
        await asyncio.sleep(1)
        idle_kb = status_kb(pid, "VmRSS:")
        reset_peak(pid)
        statuses: dict[str, set[int]] = {name: set() for name in bombs}
        slowest_upload, timings = 0.0, []
        for _ in range(rounds):
            results, asked = await one_round(http, url, bombs)
            timings += asked
            for name, (status, seconds) in results.items():
                statuses[name].add(status)
                slowest_upload = max(slowest_upload, seconds)
        peak_kb = status_kb(pid, "VmHWM:")
    figures = {
        "bombs_per_round": len(bombs),
        "rounds": rounds,
        "idle_rss_mb": round(idle_kb / 1024, 1),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "peak_above_idle_mb": round((peak_kb - idle_kb) / 1024, 1),
        "citizen_questions": len(timings),
        "citizen_p50_s": round(statistics.median(timings), 3),
        "citizen_p95_s": round(percentile(timings, 0.95), 3),
        "citizen_max_s": round(max(timings), 3),
        "slowest_bomb_answer_s": round(slowest_upload, 3),
    }
    for name, seen in statuses.items():
        figures[f"status {name}"] = ",".join(str(s) for s in sorted(seen))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--only", choices=list(BOMBS), help="upload this bomb eight times instead"
    )
    args = parser.parse_args()
    # Generous limits: this measures memory and time, not the limits.
    assistant = start(
        Path(tempfile.mkdtemp()),
        {"WEB_ADDRESS_PER_MINUTE": "100000", "WEB_CHAT_PER_MINUTE": "1000",
         "WEB_GLOBAL_PER_MINUTE": "100000", "PHOTOS_PER_ADDRESS_PER_HOUR": "1000",
         "PHOTO_MB_PER_ADDRESS_PER_HOUR": "1000"},
    )  # fmt: skip
    try:
        results = asyncio.run(measure(assistant, args.rounds, args.only))
    finally:
        assistant.stop()
    report(results, "photo_bombs" if args.only is None else "photo_bombs_one_kind")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
