"""Benchmark of the staff app on a full inbox: pages, search, export, charts.

    python -m tests.bench.bench_staff [--suggestions N] [--requests N]

Seeds a fresh SQLite database with N suggestions spread over twelve weeks, serves
the web app in this process and logs in like a browser. Figures are medians of
one run in milliseconds, plus the Argon2id cost of one login; they also go to
reports/bench/staff.json. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
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
from tests.e2e.assistant import free_port

TOPICS = (
    "Mobilität",
    "Beteiligung",
    "Verwaltung",
    "Umwelt und Energie",
    "Offene Daten",
)
CHANNELS = ("web", "telegram")
WORDS = [
    "Bank",
    "Baum",
    "Bus",
    "Radweg",
    "Licht",
    "WLAN",
    "Parkplatz",
    "Spielplatz",
    "Brunnen",
    "Sensor",
]
PASSWORD = "benchmark-passwort-123"


def seed(url: str, count: int) -> None:
    now = utcnow()

    def work(session):
        accounts.add_user(session, "bench", "admin", PASSWORD, actor="bench")
        for n in range(count):
            created = now - timedelta(minutes=n * (12 * 7 * 24 * 60) // count)
            text = f"Idee {n}: mehr {WORDS[n % len(WORDS)]} am Ort {n % 97}"
            suggestion = Suggestion(
                reference=new_reference(), form_run_id=uuid.uuid4().hex,
                channel=CHANNELS[n % 2], sender_key=uuid.uuid4().hex, text=text,
                text_fingerprint=fingerprint(text), topic=TOPICS[n % len(TOPICS)],
                status="eingegangen", created_at=created,
            )  # fmt: skip
            suggestion.history.append(
                StatusChange(
                    changed_at=created, changed_by="buerger", to_status="eingegangen"
                )
            )
            session.add(suggestion)

    in_transaction(url, work)


async def timed(http: aiohttp.ClientSession, url: str, requests: int) -> float:
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        async with http.get(url) as response:
            assert response.status == 200, (url, response.status)
            await response.read()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


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
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            logins = []
            for _ in range(5):
                began = time.perf_counter()
                await http.post(
                    f"{base}/login",
                    data={
                        "csrf_token": token,
                        "username": "bench",
                        "password": PASSWORD,
                    },
                )
                logins.append((time.perf_counter() - began) * 1000)
                token = re.search(
                    r'name="csrf_token" value="([^"]+)"',
                    await (await http.get(f"{base}/suggestions")).text(),
                ).group(1)
            results["login_ms"] = statistics.median(logins)
            pages = {
                "inbox_page1_ms": "/suggestions",
                "inbox_page200_ms": "/suggestions?seite=200",
                "inbox_filtered_ms": "/suggestions?thema=Mobilit%C3%A4t&kanal=web&von=2026-10-01",
                "inbox_search_ms": "/suggestions?q=brunnen+ort",
                "dashboard_ms": "",
                "chart_week_svg_ms": "/charts/woche.svg",
            }
            page1 = await (await http.get(f"{base}/suggestions")).text()
            reference = re.search(r">(V-[0-9A-Z]{4}-[0-9A-Z]{4})</a>", page1).group(1)
            # The detail page also searches the open suggestions for similar ones.
            pages["detail_with_similar_ms"] = f"/suggestions/{reference}"
            for name, path in pages.items():
                results[name] = await timed(http, base + path, requests)
            results["csv_all_ms"] = await timed(
                http, f"{base}/suggestions.csv", max(3, requests // 4)
            )
    finally:
        await runner.cleanup()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suggestions", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.from_env(
            {
                "DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
                "SMARTCITY_VAR_DIR": folder,
            }
        )
        upgrade(settings.database_url)
        began = time.perf_counter()
        seed(settings.database_url, args.suggestions)
        print(
            f"seeded {args.suggestions} suggestions in {time.perf_counter() - began:.1f} s"
        )
        results = {
            "suggestions": args.suggestions,
            **asyncio.run(measure(settings, args.requests)),
        }
    report(results, "staff")


if __name__ == "__main__":
    main()
