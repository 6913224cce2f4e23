"""Benchmark of /staff/review on a week flooded with misunderstood messages.

    python -m tests.bench.bench_review [--messages N] [--rated N] [--requests N]

Seeds a fresh SQLite tracker store with N misunderstood messages this week
(tests/e2e/review_volume.py: one in twenty a frequent question, the rest
distinct made-up wordings, as a flood would be) and N 👎 questions, serves the
web app in this process and logs in as an admin. Figures: medians in ms of the
page after one more message arrived (the grouping is computed afresh) and of a
plain reload; the peak of Python allocations (tracemalloc, numpy and SciPy
included) during one fresh page; and how far that page raised the process's
peak RSS. They also go to reports/bench/review.json. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import tempfile
import time
import tracemalloc
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
from aiohttp import web

from actions.db import accounts, nlu_review
from actions.db.models import AnswerRating
from actions.db.session import in_transaction, upgrade
from bot.server import create_app
from core.settings import Settings
from tests.bench.bench_assistant import report
from tests.bench.bench_staff import PASSWORD
from tests.bot.staff.helpers import CSRF
from tests.e2e.assistant import free_port
from tests.e2e.review_volume import store_missed, wordings


def seed_rated(url: str, count: int, since: float) -> None:
    """`count` 👎 questions in the week, made-up like the flood."""
    start = datetime.fromtimestamp(since, timezone.utc)

    def work(session):
        for n, text in enumerate(wordings(count, seed=31)):
            session.add(AnswerRating(
                offer_id=uuid.uuid4().hex, question=text, intent="faq",
                response="utter_faq/kontakt", channel="web", rating="down",
                comment="Das hat gefehlt" if n % 3 == 0 else None,
                created_at=start + timedelta(seconds=n + 1),
            ))  # fmt: skip

    in_transaction(url, work)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def page_ms(http: aiohttp.ClientSession, url: str) -> float:
    began = time.perf_counter()
    async with http.get(url) as response:
        assert response.status == 200, response.status
        await response.read()
    return (time.perf_counter() - began) * 1000


async def measure(settings: Settings, requests: int, week: tuple[float, float]):
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}/staff"
    results: dict = {}
    arrived = iter(wordings(requests + 1, seed=32)[1:])

    async def fresh_ms() -> float:
        # One more message: a cached grouping of the week no longer fits.
        await asyncio.to_thread(
            store_missed, settings.tracker_store_url, [next(arrived)], *week
        )
        return await page_ms(http, f"{base}/review")

    try:
        async with aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True)
        ) as http:
            page = await (await http.get(f"{base}/login")).text()
            await http.post(f"{base}/login", data={
                "csrf_token": CSRF.search(page).group(1),
                "username": "bench", "password": PASSWORD,
            })  # fmt: skip
            rss_before = peak_rss_mb()
            results["first_page_ms"] = await page_ms(http, f"{base}/review")
            results["first_page_peak_rss_growth_mb"] = peak_rss_mb() - rss_before
            results["fresh_page_ms"] = statistics.median(
                [await fresh_ms() for _ in range(requests - 1)]
            )
            results["reload_ms"] = statistics.median(
                [await page_ms(http, f"{base}/review") for _ in range(requests)]
            )
            tracemalloc.start()
            await fresh_ms()
            results["fresh_page_traced_peak_mb"] = (
                tracemalloc.get_traced_memory()[1] / 2**20
            )
            tracemalloc.stop()
            html = await (await http.get(f"{base}/review")).text()
            results["rows_shown"] = html.count("</tr>") - 1
            results["page_kb"] = len(html.encode()) // 1024
    finally:
        await runner.cleanup()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--rated", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.from_env({
            "DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
            "TRACKER_STORE_URL": f"sqlite:///{Path(folder) / 'tracker.db'}",
            "SMARTCITY_VAR_DIR": folder,
        })  # fmt: skip
        upgrade(settings.database_url)
        in_transaction(settings.database_url, lambda s: accounts.add_user(
            s, "bench", "admin", PASSWORD, actor="bench"))  # fmt: skip
        today = settings.now().astimezone(settings.tz).date()
        week = nlu_review.week_bounds(today, settings.tz)
        began = time.perf_counter()
        store_missed(settings.tracker_store_url, wordings(args.messages), *week)
        seed_rated(settings.database_url, args.rated, week[0])
        print(f"seeded {args.messages} missed messages and {args.rated} 👎 "
              f"in {time.perf_counter() - began:.1f} s")  # fmt: skip
        results = {
            "messages": args.messages,
            "rated_down": args.rated,
            **asyncio.run(measure(settings, args.requests, week)),
        }
    report(results, "review")


if __name__ == "__main__":
    main()
