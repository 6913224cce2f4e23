"""Issue 36.1 end to end: citizens find published suggestions in the chat by
words, district and position, on the widget's API and on Telegram, and back
one with its button, tapped or typed."""

from __future__ import annotations

import itertools
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone

import aiohttp
from sqlalchemy.orm import Session

from actions.db import review
from actions.db import suggestions as store
from actions.db.session import get_engine
from core.places import Position
from tests.e2e.chat import WebCitizen
from tests.e2e.test_telegram import ask, press, reply_keyboard, share_location, shown

chat_ids = itertools.count(9701)
TITLE = "Kneippbecken am Erzhüttener Weiher"
# Far from the other tests' positions, so "in meiner Nähe" finds only this.
WEIHER = Position(49.4210, 7.8020)


@contextmanager
def published_idea(assistant):
    """One published suggestion in the shared assistant, withdrawn afterwards."""
    engine = get_engine(assistant.database_url)
    with Session(engine, future=True) as session, session.begin():
        new = store.NewSuggestion(
            form_run_id=uuid.uuid4().hex, channel="web", sender_key=uuid.uuid4().hex,
            text="Ein Kneippbecken am Weiher in Erzhütten wäre schön",
            topic="Umwelt und Energie", district="Erzhütten", position=WEIHER,
            public_consent_at=datetime.now(timezone.utc),
        )  # fmt: skip
        suggestion, _ = store.create(session, new, daily_limit=5)
        review.publish(session, suggestion.reference, TITLE, actor="redaktion")
        reference = suggestion.reference
    try:
        yield reference
    finally:
        with Session(engine, future=True) as session, session.begin():
            review.unpublish(session, reference, actor="redaktion")


async def test_the_widget_finds_by_words_and_district_and_a_typed_button_backs(
    assistant,
):
    with published_idea(assistant) as reference:
        async with aiohttp.ClientSession() as http:
            citizen = WebCitizen(http, assistant.web_url)
            found = await citizen.say("Gibt es schon Vorschläge zu Kneippbecken?")
            assert f"„{TITLE}“" in found and f"/vorschlaege/{reference}" in found
            assert "0-mal unterstützt" in found
            # Typed, not tapped: the button's own words back it.
            backed = await citizen.say(f"{TITLE} unterstützen")
            assert f"Sie unterstützen jetzt „{TITLE}“" in backed, backed

            other = WebCitizen(http, assistant.web_url)
            in_district = await other.say("Was wurde in Erzhütten vorgeschlagen?")
            assert "im Stadtteil Erzhütten" in in_district, in_district
            assert f"„{TITLE}“" in in_district and "1-mal unterstützt" in in_district
            await other.press(f"„{TITLE}“ unterstützen")
            nothing = await other.say("Gibt es Vorschläge zu Seilbahnen?")
            assert "keinen veröffentlichten Vorschlag" in nothing
            assert "Selbst etwas vorschlagen" in other.buttons


async def test_the_widget_finds_what_is_near_a_shared_position(assistant):
    with published_idea(assistant):
        async with aiohttp.ClientSession() as http:
            citizen = WebCitizen(http, assistant.web_url)
            asked = await citizen.say("Welche Vorschläge gibt es in meiner Nähe?")
            assert "Senden Sie mir Ihren Standort" in asked, asked
            near = await citizen.say(
                '/share_location{"latitude": 49.4215, "longitude": 7.8030}'
            )
            assert "in Ihrer Nähe" in near and f"„{TITLE}“" in near, near


def test_telegram_finds_by_words_and_position_and_a_button_backs(assistant, bot_api):
    with published_idea(assistant):
        chat = next(chat_ids)
        found = ask(bot_api, chat, "Hat schon jemand ein Kneippbecken vorgeschlagen?")
        assert f"„{TITLE}“" in shown(found), shown(found)
        _, backed = press(bot_api, found[-1], f"„{TITLE}“ unterstützen")
        assert f"Sie unterstützen jetzt „{TITLE}“" in shown(backed)

        asked = ask(bot_api, chat, "Was wurde hier in der Nähe vorgeschlagen?")
        assert "📍 Standort senden" in [b["text"] for b in reply_keyboard(asked[-1])]
        near = share_location(bot_api, chat, 49.4215, 7.8030)
        assert f"„{TITLE}“" in shown(near) and "1-mal unterstützt" in shown(near)
