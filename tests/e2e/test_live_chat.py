"""Live handoff on the running assistant: the widget's API and Telegram, the
real Rasa paused and resumed through its HTTP API, and the staff app."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import re
import sqlite3
import time

import aiohttp
import pytest

from bot.shared.live_chat import BACK_TEXT, STAFF_ENDED_TEXT
from bot.staff.live_views import TAKEN_TEXT
from tests.e2e.chat import ORIGIN
from tests.e2e.live import logged_in, staff_session, widget_session
from tests.e2e.test_telegram import ask, shown

HUMAN = "Ich möchte mit einem Menschen sprechen"
QUESTION = "Wer kümmert sich um die Parkplätze am Stiftsplatz?"


@pytest.fixture
async def staff(assistant):
    async with staff_session() as http:
        member = await logged_in(assistant, http)
        yield member
        await member.available(False)  # other tests expect nobody in the live chat


class Widget:
    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base, self.session = http, base, widget_session()

    async def say(self, text: str) -> dict:
        async with self.http.post(
            f"{self.base}/api/chat",
            json={"session": self.session, "message": text},
            headers={"Origin": ORIGIN},
        ) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def news(self) -> list[str]:
        """Unseen notifications, marked seen, as the widget does."""
        url = f"{self.base}/api/notifications?session={self.session}"
        rows = (await (await self.http.get(url)).json())["notifications"]
        if rows:
            await self.http.post(
                f"{self.base}/api/notifications/seen",
                json={"session": self.session, "ids": [r["id"] for r in rows]},
            )
        return [r["text"] for r in rows]

    async def wait_for_news(self, count: int, seconds: float = 10) -> list[str]:
        seen: list[str] = []
        deadline = time.monotonic() + seconds
        while len(seen) < count and time.monotonic() < deadline:
            seen += await self.news()
            await asyncio.sleep(0.2)
        return seen


@pytest.fixture
async def widget(assistant):
    async with aiohttp.ClientSession() as http:
        yield Widget(http, assistant.web_url)


def plain(page: str) -> str:
    """A page's text, without tags and entities."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def texts(reply: dict) -> str:
    return "\n".join(m["text"] for m in reply["messages"])


async def chat_of(staff, text: str) -> int:
    """The queue's chat whose transcript holds `text`."""
    for chat in await staff.queue():
        if any(m["text"] == text for m in await staff.messages(chat["id"])):
            return chat["id"]
    raise AssertionError(f"no live chat with {text!r}")


async def test_nobody_available_offers_a_message_for_the_team(staff, widget):
    reply = await widget.say(HUMAN)
    assert reply["live"] is False
    assert "niemand aus dem Team" in texts(reply)
    assert reply["messages"][0]["buttons"][0]["payload"] == "/leave_message"
    asked = await widget.say("/leave_message")
    assert "Was möchten Sie dem Team mitteilen?" in texts(asked)
    contact = await widget.say("Bitte rufen Sie mich wegen der Ladesäulen zurück.")
    assert "Telefonnummer oder E-Mail-Adresse" in texts(contact)
    done = await widget.say("/deny")
    reference = next(w for w in texts(done).split() if w.startswith("R-")).rstrip(".,")
    inbox = await staff.page("/callbacks")
    assert reference in inbox and "Ladesäulen" in html.unescape(inbox)

    await staff.post(f"/callbacks/{reference}/answer", text="Wir melden uns morgen.")
    [answer] = await widget.wait_for_news(1)
    assert reference in answer and "Wir melden uns morgen." in answer
    assert "erledigt" in await staff.page(f"/callbacks/{reference}")


async def test_a_widget_citizen_is_handed_to_staff_and_back(staff, widget):
    await staff.available()
    started = await widget.say(HUMAN)
    assert started["live"] is True
    assert "Person aus dem Team" in texts(started)
    assert "zurück zum Assistenten" in texts(started)

    # Rasa is paused: the message reaches the tracker, no bot answers it.
    during = await widget.say(QUESTION)
    assert during == {"messages": [], "live": True}
    chat_id = await chat_of(staff, QUESTION)
    assert next(c for c in await staff.queue() if c["id"] == chat_id)["status"] == (
        "waiting"
    )

    await staff.post(f"/live/{chat_id}/take")
    assert "übernommen" in await staff.page(f"/live?chat={chat_id}")
    await staff.post(
        f"/live/{chat_id}/reply", text="Hallo, hier ist Anna <b>vom Team</b>."
    )
    news = await widget.wait_for_news(2)
    assert news == [
        TAKEN_TEXT,
        "Antwort aus dem Team:\nHallo, hier ist Anna <b>vom Team</b>.",
    ]
    assert await widget.news() == []  # delivered once

    transcript = [m["text"] for m in await staff.messages(chat_id)]
    assert (
        QUESTION in transcript and "Hallo, hier ist Anna <b>vom Team</b>." in transcript
    )

    await staff.post(f"/live/{chat_id}/end")
    assert await widget.wait_for_news(1) == [STAFF_ENDED_TEXT]
    assert chat_id not in [c["id"] for c in await staff.queue()]
    after = await widget.say("Welche Projekte gibt es?")
    assert after["live"] is False and after["messages"], after
    assert "Projekt" in texts(after)
    assert "live-anna" in await staff.page("/live")  # who handled it


async def test_the_citizen_goes_back_to_the_assistant(staff, widget):
    await staff.available()
    assert (await widget.say(HUMAN))["live"] is True
    back = await widget.say("zurück zum Assistenten")
    assert back == {"messages": [{"text": BACK_TEXT, "buttons": []}], "live": False}
    answer = await widget.say("Hallo")
    assert answer["live"] is False and "Assistent" in texts(answer)


async def test_a_second_member_sees_the_chat_is_taken(assistant, staff, widget):
    await staff.available()
    await widget.say(HUMAN)
    await widget.say(QUESTION + " (zweite)")
    chat_id = await chat_of(staff, QUESTION + " (zweite)")
    await staff.post(f"/live/{chat_id}/take")
    async with staff_session() as http:
        other = await logged_in(assistant, http, "live-ben")
        page = plain(await other.page(f"/live?chat={chat_id}"))
        assert "live-anna hat dieses Gespräch übernommen" in page
        refused = await other.post(f"/live/{chat_id}/reply", text="Ich auch!")
        assert "Bitte übernehmen Sie den Live-Chat zuerst." in html.unescape(refused)
        taken = await other.post(f"/live/{chat_id}/take")
        assert "live-anna hat diesen Live-Chat schon übernommen." in html.unescape(
            taken
        )
    await staff.post(f"/live/{chat_id}/end")
    assert (await widget.wait_for_news(2))[-1] == STAFF_ENDED_TEXT


async def test_deleting_the_data_during_a_live_chat(assistant, staff, widget):
    await staff.available()
    await widget.say(HUMAN)
    await widget.say(QUESTION + " (löschen)")
    chat_id = await chat_of(staff, QUESTION + " (löschen)")
    async with widget.http.post(
        f"{widget.base}/api/forget", json={"session": widget.session}
    ) as response:
        assert response.status == 200, await response.text()
    assert chat_id not in [c["id"] for c in await staff.queue()]
    assert (await widget.say("Hallo"))["live"] is False


def slots_set_after(assistant, text: str) -> list[str]:
    """Names of the slots set in the conversation after the user wrote `text`."""
    path = assistant.tracker_store_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT sender_id, type_name, data FROM events ORDER BY id")
        rows = rows.fetchall()
    sender = next(s for s, kind, data in rows
                  if kind == "user" and json.loads(data).get("text") == text)  # fmt: skip
    after = [json.loads(data) for s, kind, data in rows if s == sender]
    start = next(i for i, e in enumerate(after) if e.get("text") == text)
    return [e["name"] for e in after[start:] if e.get("event") == "slot"]


async def test_words_to_the_team_do_not_fill_the_assistants_slots(
    assistant, staff, widget
):
    await staff.available()
    assert (await widget.say(HUMAN))["live"] is True
    text = "Zu Smart Parking in der Innenstadt habe ich eine Frage (live)"
    assert (await widget.say(text))["messages"] == []
    await widget.say("zurück zum Assistenten")
    assert not {"project", "district"} & set(slots_set_after(assistant, text))


async def test_a_telegram_citizen_is_handed_to_staff_and_back(staff, bot_api):
    chat = 9701
    await staff.available()
    started = await asyncio.to_thread(ask, bot_api, chat, "/mensch")
    assert "Person aus dem Team" in shown(started)

    before = len(bot_api.sent("sendMessage", chat))
    bot_api.send_text(chat, QUESTION + " (Telegram)")
    chat_id = None
    for _ in range(50):  # the message reaches the tracker; no bot answers it
        with contextlib.suppress(AssertionError):
            chat_id = await chat_of(staff, QUESTION + " (Telegram)")
            break
        await asyncio.sleep(0.2)
    assert chat_id is not None
    await asyncio.sleep(1.5)
    assert len(bot_api.sent("sendMessage", chat)) == before

    await staff.post(f"/live/{chat_id}/take")
    await staff.post(f"/live/{chat_id}/reply", text="Guten Tag, hier ist das Team.")
    calls = await bot_api.until("sendMessage", chat, count=before + 2, timeout=10)
    assert [html.unescape(c.text) for c in calls[before:]] == [
        TAKEN_TEXT,
        "Antwort aus dem Team:\nGuten Tag, hier ist das Team.",
    ]
    back = await asyncio.to_thread(ask, bot_api, chat, "/assistent")
    assert shown(back) == BACK_TEXT
    assert chat_id not in [c["id"] for c in await staff.queue()]
    answer = await asyncio.to_thread(ask, bot_api, chat, "Welche Projekte gibt es?")
    assert "Smart-City-Projekte" in shown(answer)


async def test_a_live_chat_stays_one_after_rasa_s_session_expired(
    assistant, staff, widget
):
    """Issue 30: an hour of waiting starts a new Rasa session; it must not
    un-pause the conversation, or the bot acts on words meant for the team."""
    from tests.e2e.test_team_answers import age_conversation, sessions_started

    await staff.available()
    started = await widget.say(HUMAN)
    assert started["live"] is True
    marker = "Ich warte schon seit einer Stunde auf das Team, Nummer 30"
    assert (await widget.say(marker))["live"] is True
    sender = age_conversation(assistant, marker, 2 * 3600)
    before = sessions_started(assistant, sender)

    later = await widget.say("Ich möchte einen Vorschlag machen")
    assert later == {"messages": [], "live": True}, later
    assert sessions_started(assistant, sender) == before + 1  # a new session
    chat_id = await chat_of(staff, "Ich möchte einen Vorschlag machen")
    # Still paused: "löschen" and "ja" are words for the team, not a deletion.
    for text in ("Meine Daten bitte löschen", "ja"):
        assert (await widget.say(text)) == {"messages": [], "live": True}
    transcript = [m["text"] for m in await staff.messages(chat_id)]
    assert "Meine Daten bitte löschen" in transcript and "ja" in transcript
    await staff.post(f"/live/{chat_id}/end")
    await widget.wait_for_news(1)


async def test_staff_read_the_chat_not_the_citizens_whole_history(staff, widget):
    """Issue 30: the transcript held every session of the citizen, also after
    the chat had ended."""
    early = "Früher einmal gefragt: Wo ist das Bürgerbüro? Nummer 31"
    await widget.say(early)
    for _ in range(7):
        await widget.say("Was ist die Mitmachplattform?")
    await staff.available()
    assert (await widget.say(HUMAN))["live"] is True
    assert (await widget.say(QUESTION))["live"] is True
    chat_id = await chat_of(staff, QUESTION)
    transcript = [m["text"] for m in await staff.messages(chat_id)]
    assert HUMAN in transcript and "Was ist die Mitmachplattform?" in transcript
    assert early not in transcript
    await staff.post(f"/live/{chat_id}/end")
    await widget.wait_for_news(1)
    ended = await staff.http.get(f"{staff.base}/live/{chat_id}/messages.json")
    assert ended.status == 410
    assert (await ended.json())["error"] == "Dieser Live-Chat ist beendet."
