"""Bad input: a week flooded with misunderstood messages (issue 30). While
/staff/review groups 20,000 of them, another citizen's question is answered
within ANSWERED_SECONDS, over the real assistant (`smartcity run`).

Before issue 30 the page built a dense N x N similarity matrix in the web
process (8,000 messages: 10 s and 1 GB); its cost on 50,000 is measured by
tests/bench/bench_review.py.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from datetime import timedelta

import aiohttp

from actions.db import nlu_review
from core.settings import Settings
from tests.e2e.live import OFFICE_OPEN
from tests.e2e.review_volume import remove_missed, store_missed, wordings
from tests.e2e.staff import add_staff_user
from tests.e2e.test_bad_input import NORMAL, NORMAL_ANSWER, NOT_STALLED_SECONDS

VOLUME = 20_000
ANSWERED_SECONDS = 2
PASSWORD = "viele-nachrichten-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def last_week() -> tuple[str, float, float]:
    """The week before the assistant's fixed clock: other tests read this one."""
    settings = Settings.from_env({"SMARTCITY_FIXED_TIME": OFFICE_OPEN})
    monday = settings.now().astimezone(settings.tz).date() - timedelta(weeks=1)
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}", *nlu_review.week_bounds(monday, settings.tz)


async def ask(http: aiohttp.ClientSession, url: str) -> tuple[str, float]:
    began = time.monotonic()
    body = {"session": uuid.uuid4().hex, "message": NORMAL}
    async with http.post(f"{url}/api/chat", json=body) as response:
        assert response.status == 200, await response.text()
        answer = (await response.json())["messages"][0]["text"]
    return answer, time.monotonic() - began


async def open_review(http: aiohttp.ClientSession, url: str) -> tuple[str, float]:
    began = time.monotonic()
    async with http.get(url) as response:
        assert response.status == 200, response.status
        return await response.text(), time.monotonic() - began


async def test_a_flooded_review_week_does_not_hold_up_a_citizen(assistant):
    label, since, until = last_week()
    flood = await asyncio.to_thread(
        store_missed, assistant.tracker_store_url, wordings(VOLUME), since, until
    )
    add_staff_user(assistant, "volumen", "admin", PASSWORD)
    base = assistant.web_url
    try:
        async with aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True)
        ) as staff, aiohttp.ClientSession() as citizen:
            page = await (await staff.get(f"{base}/staff/login")).text()
            await staff.post(f"{base}/staff/login", data={
                "username": "volumen", "password": PASSWORD,
                "csrf_token": CSRF.search(page).group(1),
            })  # fmt: skip
            await ask(citizen, base)  # warm-up
            review = asyncio.ensure_future(
                open_review(staff, f"{base}/staff/review?woche={label}")
            )
            await asyncio.sleep(0.05)  # the review is on its way first
            answers = []
            while not answers or not review.done():
                answers.append(await ask(citizen, base))
            html, review_seconds = await review
    finally:
        await asyncio.to_thread(remove_missed, assistant.tracker_store_url, flood)
    for answer, seconds in answers:
        assert NORMAL_ANSWER in answer
        assert seconds < ANSWERED_SECONDS, answers
    assert review_seconds < NOT_STALLED_SECONDS
    assert "Gezeigt sind die" in html and "nicht aufgeführt" in html
