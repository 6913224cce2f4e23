"""Issue 33.1: an answer staff change in /staff/antworten is what the next
citizen gets, on the running assistant with two Rasa workers, without
retraining or restart; bringing back the shipped text works the same way."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time

import aiohttp

from core.responses import domain_responses
from tests.e2e.chat import joined
from tests.e2e.staff import add_staff_user

PASSWORD = "antworten-pflegen-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
QUESTION = "Hat Kaiserslautern Preise gewonnen?"
ANSWER = "utter_faq/auszeichnungen"
PAGE = f"/staff/antworten/standard/{ANSWER}"
EDITED = "Neu aus dem Büro: Kaiserslautern war 2019 Zweite im Bitkom-Wettbewerb."
ASKED = 8  # consecutive questions: with two workers, both answer some


async def post(http, url: str, data: dict) -> aiohttp.ClientResponse:
    page = await (await http.get(url)).text()
    token = CSRF.search(page).group(1)
    return await http.post(url, data={**data, "csrf_token": token})


async def answers_until(chat, wanted: str, seconds: float = 10) -> list[str]:
    """Ask until the answer holds `wanted`, then ASKED times more."""
    deadline = time.monotonic() + seconds
    while wanted not in joined(await chat(QUESTION)):
        assert time.monotonic() < deadline, f"still not {wanted!r}"
        await asyncio.sleep(0.3)
    return [joined(await chat(QUESTION)) for _ in range(ASKED)]


@contextlib.asynccontextmanager
async def editor(assistant, name: str):
    """A browser session of a new admin, logged in to the staff app."""
    add_staff_user(assistant, name, "admin", PASSWORD)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        login = {"username": name, "password": PASSWORD}
        url = f"{assistant.web_url}/staff/login"
        assert (await post(http, url, login)).status == 200
        yield http


async def listed_until(chat, heading: str, seconds: float = 5) -> None:
    """Ask for the projects until the list starts with `heading`."""
    started = time.monotonic()
    while not (listed := joined(await chat("Welche Projekte gibt es?"))).startswith(
        heading
    ):
        assert time.monotonic() - started < seconds, listed  # live within a second
        await asyncio.sleep(0.3)


async def test_an_edited_answer_is_the_next_answer_on_every_worker(assistant, chat):
    shipped = domain_responses()[ANSWER].text
    assert shipped.split("\n")[0] in joined(await chat(QUESTION))
    base = assistant.web_url
    async with editor(assistant, "antworten-redaktion") as http:
        try:
            saved = await post(http, f"{base}{PAGE}", {"text": EDITED})
            assert saved.status == 200 and "gespeichert" in await saved.text()
            started = time.monotonic()
            later = await answers_until(chat, EDITED)
            print(f"edit live after {time.monotonic() - started:.1f} s")
            assert all(EDITED in answer for answer in later)
        finally:
            restored = await post(http, f"{base}{PAGE}/zurueck", {"version": "default"})
        assert restored.status == 200
        later = await answers_until(chat, shipped.split("\n")[0])
        assert not any(EDITED in answer for answer in later)


async def test_an_edited_template_shapes_the_next_computed_answer(assistant, chat):
    """The action server fills the project list from the edited template."""
    page = f"{assistant.web_url}/staff/antworten/standard/tpl_projects_heading"
    edited = "Das sind unsere Smart-City-Projekte:"
    async with editor(assistant, "vorlagen-redaktion") as http:
        try:
            saved = await post(http, page, {"text": edited})
            assert saved.status == 200 and "gespeichert" in await saved.text()
            await listed_until(chat, edited)
        finally:
            restored = await post(http, f"{page}/zurueck", {"version": "default"})
        assert restored.status == 200
        await listed_until(chat, "Diese Smart-City-Projekte gibt es:")
