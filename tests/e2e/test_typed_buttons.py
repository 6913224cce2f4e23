"""Issue 29: a citizen who types a button's title gets what pressing it gives,
in the widget (its API, through the gateway) and on Telegram (typed text, not
callback data), for every button the assistant can show.

One crawl per module (tests/e2e/typed_buttons.py) finds the shortest way to
each button; each catalogue title is then a test case of its own.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy.orm import Session

from actions.db import review
from actions.db import suggestions as store
from actions.db.session import get_engine
from tests.e2e.live import logged_in, staff_session
from tests.e2e.typed_buttons import (
    FOLLOWING_SEEDS,
    SEEDS,
    Crawl,
    Driver,
    Outcome,
    Reply,
    catalogue,
    press_and_type,
    session_id,
)

# Shown only when a citizen has backed a published suggestion, which the crawl
# does; and only while someone is in the live chat, which the crawl arranges.
SIMILAR = "Überdachte Fahrradständer am Hauptbahnhof für alle Pendler"
SIMILAR_TITLE = "Überdachte Radständer am Hauptbahnhof"
TELEGRAM_CHATS = itertools.count(770_001)
RESULTS: dict[str, dict[str, Outcome | None]] = {}
CONVERSATIONS_AT_ONCE = 6


class WidgetDriver(Driver):
    name = "widget"

    def __init__(self, client) -> None:
        self.client = client
        self.last: dict[str, Reply] = {}

    async def new(self) -> str:
        return session_id()

    async def _send(self, session: str, message: str) -> Reply:
        response = await self.client.post(
            "/api/chat", json={"session": session, "message": message}
        )
        assert response.status == 200, await response.text()
        messages = (await response.json())["messages"]
        reply = Reply(
            [m["text"] for m in messages],
            [(b["title"], b["payload"]) for m in messages for b in m["buttons"]],
        )
        self.last[session] = reply
        return reply

    async def type(self, session: str, text: str) -> Reply:
        return await self._send(session, text)

    async def press(self, session: str, title: str) -> Reply:
        payload = dict(self.last[session].buttons)[title]
        return await self._send(session, payload)


class TelegramDriver(Driver):
    """The loopback Bot API: typed text is a message, a press a callback query."""

    name = "telegram"

    def __init__(self, bot_api) -> None:
        self.api = bot_api
        self.calls: dict[str, list] = {}

    async def new(self) -> str:
        return str(next(TELEGRAM_CHATS))

    def _reply(self, chat: str, calls: list) -> Reply:
        self.calls[chat] = calls
        buttons = []
        for call in calls:
            markup = call.params.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                buttons += [(b["text"], b.get("callback_data", "")) for b in row]
            for row in markup.get("keyboard", []):
                # A reply keyboard sends its title as text; "Standort senden"
                # sends a location, which is no button of the assistant's.
                buttons += [
                    (b["text"], "") for b in row if not b.get("request_location")
                ]
        return Reply([html.unescape(c.text) for c in calls], buttons)

    def _after(self, chat: str, act) -> Reply:
        before = len(self.api.sent("sendMessage", int(chat)))
        act()
        return self._reply(chat, self.api.reply_after(int(chat), before, quiet=0.2))

    async def type(self, chat: str, text: str) -> Reply:
        return await asyncio.to_thread(
            self._after, chat, lambda: self.api.send_text(int(chat), text)
        )

    async def press(self, chat: str, title: str) -> Reply:
        with_it = [c for c in self.calls[chat] if title in inline_titles(c)]
        if not with_it:  # a reply-keyboard button: Telegram sends its title
            return await self.type(chat, title)
        call = with_it[-1]
        return await asyncio.to_thread(
            self._after, chat, lambda: self.api.press(call, title)
        )


def inline_titles(call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def published_similar(assistant) -> str:
    """A published suggestion like the crawl's idea, so the form shows the
    similar step with its support button."""
    new = store.NewSuggestion(
        form_run_id=uuid.uuid4().hex, channel="web", sender_key="crawl-" + "0" * 58,
        text=SIMILAR, topic="Mobilität", location="Hauptbahnhof",
        public_consent_at=datetime.now(timezone.utc),
    )  # fmt: skip
    with Session(get_engine(assistant.database_url), future=True) as s, s.begin():
        reference = store.create(s, new, daily_limit=100)[0].reference
        review.publish(s, reference, SIMILAR_TITLE, actor="redaktion")
    return reference


def unpublish(assistant, reference: str) -> None:
    with Session(get_engine(assistant.database_url), future=True) as s, s.begin():
        review.unpublish(s, reference, actor="redaktion")


async def crawl_and_check(assistant, make_client, bot_api) -> None:
    """Fills RESULTS once for the module: the widget's crawl, then each
    button pressed and typed on both channels."""
    client = await make_client(
        WEB_ADDRESS_PER_MINUTE="100000", WEB_GLOBAL_PER_MINUTE="100000"
    )
    widget, telegram = WidgetDriver(client), TelegramDriver(bot_api)
    reference = published_similar(assistant)
    alone, with_staff, following = Crawl(), Crawl(), Crawl()
    try:
        await alone.explore(widget, SEEDS)
        await following.explore(widget, FOLLOWING_SEEDS)
        async with staff_session() as http:
            staff = await logged_in(assistant, http, "crawl-anna")
            await staff.available(True)
            try:
                # "Mit einer Person chatten" only shows while someone is there.
                await with_staff.explore(widget, ["Wie erreiche ich das Team?"])
                await check((widget, telegram), with_staff, skip=alone.ways)
            finally:
                await staff.available(False)
            await check((widget, telegram), alone)
            await check((widget, telegram), following,
                        skip=[*alone.ways, *with_staff.ways])  # fmt: skip
    finally:
        unpublish(assistant, reference)
    RESULTS["found"] = dict.fromkeys([*alone.ways, *with_staff.ways, *following.ways])


async def check(channels: tuple[Driver, ...], crawl: Crawl, skip=()) -> None:
    """Each title pressed and typed on each channel; a few conversations at a
    time, as citizens write at once (each has its own session or chat)."""
    at_once = asyncio.Semaphore(CONVERSATIONS_AT_ONCE)

    async def one(channel: Driver, title: str, way: list) -> None:
        async with at_once:
            outcome = await press_and_type(channel, way, title)
        RESULTS.setdefault(channel.name, {})[title] = outcome

    await asyncio.gather(
        *(one(channel, title, way)
          for channel in channels
          for title, way in crawl.ways.items() if title not in skip)
    )  # fmt: skip


@pytest.mark.parametrize("title", catalogue())
@pytest.mark.parametrize("channel", ["widget", "telegram"])
async def test_a_typed_title_lands_where_its_button_lands(
    assistant, make_client, bot_api, channel, title
):
    if "found" not in RESULTS:
        await crawl_and_check(assistant, make_client, bot_api)
    if title not in RESULTS["found"]:
        found = sorted(RESULTS["found"])
        pytest.fail(f"the crawl never reached a reply with „{title}“ (add a seed); "
                    f"it found {found}")  # fmt: skip
    outcome = RESULTS[channel].get(title)
    assert outcome is not None and outcome.same, (
        outcome.way,
        outcome.pressed,
        outcome.typed,
    )
