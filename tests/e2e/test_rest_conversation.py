"""A German conversation with the real Rasa server and action server over REST."""

from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from tests.e2e.chat import joined, say

DATE = re.compile(r"(Mo|Di|Mi|Do|Fr|Sa|So)\., \d\d\.\d\d\.\d{4}, \d\d:\d\d")


async def ask(assistant, text: str, sender: str | None = None) -> list[dict]:
    async with aiohttp.ClientSession() as http:
        return await say(http, assistant.webhook, sender or uuid.uuid4().hex, text)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Was ist die Mitmachplattform?", "MitWirkung"),
        ("Welche Projekte gibt es zum Thema Mobilität?", "Smart Parking"),
        ("Wer ist die Chief Digital Officer von Kaiserslautern?", "Ilona Benz"),
        ("Infos zum 3D-Stadtmodell", "Digitaler Zwilling"),
        ("Wie erreiche ich das Smart-City-Büro?", "E-Mail:"),
    ],
)
async def test_db_backed_answers(assistant, question, expected):
    replies = await ask(assistant, question)
    assert expected in joined(replies), replies


async def test_upcoming_events_are_dated(assistant):
    text = joined(await ask(assistant, "Welche Veranstaltungen gibt es demnächst?"))
    assert text.startswith("Termine in den nächsten 30 Tagen:"), text
    assert len(DATE.findall(text)) >= 3, text


def coming_weekend(now: datetime) -> tuple[datetime, datetime]:
    """[Saturday 00:00, Monday 00:00) of this weekend, or of the next one."""
    back = 1 if now.weekday() == 6 else -(5 - now.weekday())
    saturday = datetime.combine(now.date() - timedelta(days=back), time(), now.tzinfo)
    return saturday, saturday + timedelta(days=2)


async def test_the_weekend_lists_only_events_of_the_coming_weekend(assistant):
    berlin = ZoneInfo("Europe/Berlin")
    text = joined(await ask(assistant, "Was ist am Wochenende los?"))
    now = datetime.now(berlin)
    start, end = coming_weekend(now)
    with sqlite3.connect(assistant.database_url.removeprefix("sqlite:///")) as db:
        events = [
            (title, datetime.fromisoformat(at).replace(tzinfo=timezone.utc))
            for title, at in db.execute("SELECT title, starts_at FROM calendar_events")
        ]
    inside = {t for t, at in events if start <= at < end and at >= now}
    outside = {t for t, at in events if not start <= at < end}
    # On a Sunday the weekend has begun: the answer starts today.
    today = datetime.combine(now.date(), time(), berlin)
    assert f"{max(start, today):%d.%m.}" in text, text
    assert all(title in text for title in inside), text
    assert not any(title in text for title in outside - inside), text
    if not inside:
        assert "keine Termine" in text


async def test_greeting_is_transparent_and_offers_buttons(assistant):
    replies = await ask(assistant, "Hallo")
    assert "kein Mensch" in joined(replies)
    assert any(r.get("buttons") for r in replies)


async def test_a_button_payload_works_like_typing(assistant):
    sender = uuid.uuid4().hex
    first = await ask(assistant, "Mitmachplatform", sender)
    payloads = [b["payload"] for r in first for b in r.get("buttons") or []]
    assert payloads, first
    second = await ask(
        assistant, '/ask_project_info{"project": "Smart Parking"}', sender
    )
    assert joined(second).startswith("Smart Parking\n")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Projekte " * 555,  # 4,995 characters: as long as Rasa's channel takes
        "😀🎉🙈",
        "<script>alert('x')</script>",
        "<img src=x onerror=alert(1)>",
        "'; DROP TABLE projects; --",
        "\x00\x01 \u202e",
    ],
    ids=["empty", "spaces", "5000-chars", "emoji", "script", "img", "sql", "control"],
)
async def test_bad_input_gets_a_polite_answer(assistant, text):
    sender = uuid.uuid4().hex
    replies = await ask(assistant, text, sender)
    assert replies and all(r.get("text") for r in replies), replies
    # The conversation goes on, and the database is intact.
    follow_up = await ask(assistant, "Was ist Smart Parking?", sender)
    assert "Parkleitsystem" in joined(follow_up) or "Parkplätze" in joined(follow_up)


async def test_rasas_channel_refuses_what_no_channel_sends_with_a_clear_error(
    assistant,
):
    """Loopback only, so the operator's client sees these: Telegram sends at
    most 4,096 characters, the widget 2,000; Rasa keeps senders in 255."""
    async with aiohttp.ClientSession() as http:
        for body in (
            {"sender": "x", "message": "Projekte " * 1250},
            {"sender": "x" * 256, "message": "Hallo"},
            {"sender": 5, "message": "Hallo"},
            {"sender": "x", "message": "Hallo", "metadata": []},
            {"sender": "x", "message": "Hallo", "input_channel": {"a": 1}},
            ["kein", "Objekt"],
        ):
            async with http.post(assistant.webhook, json=body) as response:
                assert response.status == 400, body
                assert (await response.json())["error"]


def test_database_survived_sql_looking_text(assistant):
    path = assistant.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM projects").fetchone()[0] == 11
