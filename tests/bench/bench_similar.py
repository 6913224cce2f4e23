"""Benchmark of the similar suggestions on the staff detail page, among spam.

    python -m tests.bench.bench_similar [--spam N] [--ideas N] [--requests N]

Seeds a fresh SQLite database with N open suggestions of 2,000 characters of
made-up words (a flood, as in issue 30) and N ordinary ones, serves the web app
in this process and opens detail pages as an admin. Figures: the first detail
page (nothing analysed yet), the median of the next ones (other suggestions,
the same candidates), the peak of Python allocations (tracemalloc) during one
of them and the growth of the process's peak RSS, in ms and MB; also in
reports/bench/similar.json. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import resource
import statistics
import string
import tempfile
import time
import tracemalloc
import uuid
from datetime import timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

from actions.db import accounts
from actions.db.models import StatusChange, Suggestion, utcnow
from actions.db.session import in_transaction, upgrade
from actions.db.suggestions import fingerprint, new_reference
from bot.server import create_app
from core.settings import Settings
from tests.bench.bench_assistant import report
from tests.bench.bench_staff import PASSWORD, WORDS, timed
from tests.bot.staff.helpers import CSRF
from tests.e2e.assistant import free_port

REFERENCE = re.compile(r"/staff/suggestions/(V-[0-9A-Z]{4}-[0-9A-Z]{4})")


def spam(rng: random.Random, length: int = 2000) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        words.append("".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 11))))
    return " ".join(words)[:length]


def seed(url: str, spam_count: int, ideas: int) -> None:
    rng = random.Random(30)
    texts = [spam(rng) for _ in range(spam_count)]
    texts += [f"Idee {n}: mehr {WORDS[n % len(WORDS)]} am Ort {n % 97}"
              for n in range(ideas)]  # fmt: skip
    now = utcnow()

    def work(session):
        accounts.add_user(session, "bench", "admin", PASSWORD, actor="bench")
        for n, text in enumerate(texts):  # the flood is the newest
            created = now - timedelta(seconds=n)
            suggestion = Suggestion(
                reference=new_reference(), form_run_id=uuid.uuid4().hex,
                channel="web", sender_key=uuid.uuid4().hex, text=text,
                text_fingerprint=fingerprint(text), topic="Mobilität",
                status="eingegangen", created_at=created,
            )  # fmt: skip
            suggestion.history.append(StatusChange(
                changed_at=created, changed_by="buerger", to_status="eingegangen"))  # fmt: skip
            session.add(suggestion)

    in_transaction(url, work)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(settings: Settings, requests: int) -> dict:
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}/staff"
    results: dict = {}
    try:
        async with aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True)
        ) as http:
            page = await (await http.get(f"{base}/login")).text()
            await http.post(f"{base}/login", data={
                "csrf_token": CSRF.search(page).group(1),
                "username": "bench", "password": PASSWORD,
            })  # fmt: skip
            inbox = await (await http.get(f"{base}/suggestions")).text()
            references = list(dict.fromkeys(REFERENCE.findall(inbox)))
            rss_before = peak_rss_mb()
            results["first_detail_ms"] = await timed(
                http, f"{base}/suggestions/{references[0]}", 1
            )
            results["first_detail_peak_rss_growth_mb"] = peak_rss_mb() - rss_before
            later = [
                await timed(http, f"{base}/suggestions/{reference}", 1)
                for reference in references[1 : requests + 1]
            ]
            results["next_details_ms"] = statistics.median(later)
            tracemalloc.start()
            await timed(http, f"{base}/suggestions/{references[-1]}", 1)
            results["detail_traced_peak_mb"] = (
                tracemalloc.get_traced_memory()[1] / 2**20
            )
            tracemalloc.stop()
    finally:
        await runner.cleanup()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spam", type=int, default=300)
    parser.add_argument("--ideas", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.from_env({
            "DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
            "SMARTCITY_VAR_DIR": folder,
        })  # fmt: skip
        upgrade(settings.database_url)
        began = time.perf_counter()
        seed(settings.database_url, args.spam, args.ideas)
        print(f"seeded {args.spam} spam and {args.ideas} ordinary suggestions "
              f"in {time.perf_counter() - began:.1f} s")  # fmt: skip
        results = {
            "spam_suggestions": args.spam,
            "ordinary_suggestions": args.ideas,
            **asyncio.run(measure(settings, args.requests)),
        }
    report(results, "similar")


if __name__ == "__main__":
    main()
