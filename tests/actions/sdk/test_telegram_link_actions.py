"""Issue 36.3: "Auf Telegram weiterverfolgen" in the web chat, and what the
Telegram chat can do with a suggestion carried there."""

from __future__ import annotations

import hashlib
import re

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.db import telegram_links
from actions.db.models import Suggestion, TelegramLink, utcnow
from actions.db.session import get_engine
from actions.sdk.base import sender_key
from actions.sdk.deletion_actions import ActionDeleteMyData
from actions.sdk.suggestion_actions import (
    ActionSubmitSuggestion,
    ActionSuggestionStatus,
)
from actions.sdk.telegram_link_actions import ActionFollowOnTelegram
from core.deletion_journal import EVERYTHING, SUGGESTION, DeletionJournal
from core.protocol import intent_payload
from core.settings import get_settings
from tests.helpers import entity, responses, texts

pytestmark = pytest.mark.usefixtures("settings_env")

BOT = "stadt_test_bot"
LINK = re.compile(rf"https://t\.me/{BOT}\?start=([A-Za-z0-9_-]{{43}})\b")
WEB, CHAT = "web:" + "a" * 32, "telegram:4242"
BUTTON = "Auf Telegram weiterverfolgen"
FILLED = {
    "suggestion_run": "run-abc",
    "suggestion_text": "Trinkbrunnen in der Fußgängerzone",
    "suggestion_topic": "Umwelt und Energie",
    "suggestion_notify": "chat",
    "suggestion_confirmed": True,
}


@pytest.fixture
def telegram(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST-loopback-token")
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", f"@{BOT}")
    get_settings.cache_clear()


def on(tracker, channel: str):
    tracker.latest_message["metadata"] = {"channel": channel}
    return tracker


def buttons(dispatcher) -> dict[str, str]:
    return {b["title"]: b["payload"] for m in dispatcher.messages for b in m["buttons"]}


async def submit(make_tracker, sender=WEB, channel="web", **slots) -> tuple[str, dict]:
    said = CollectingDispatcher()
    tracker = make_tracker("/affirm", "affirm", slots={**FILLED, **slots},
                           sender_id=sender)  # fmt: skip
    await ActionSubmitSuggestion().run(said, on(tracker, channel), {})
    reference = re.search(r"V-[0-9A-Z]{4}-[0-9A-Z]{4}", str(said.messages)).group(0)
    return reference, buttons(said)


async def follow(make_tracker, sender=WEB, reference=None, channel="web", slots=None):
    said = CollectingDispatcher()
    entities = [entity("reference", reference)] if reference else []
    tracker = make_tracker(BUTTON, "follow_on_telegram", entities, slots=slots,
                           sender_id=sender)  # fmt: skip
    await ActionFollowOnTelegram().run(said, on(tracker, channel), {})
    return said


def stored(database_url, reference: str) -> Suggestion:
    with Session(get_engine(database_url), future=True) as session:
        return session.scalar(
            select(Suggestion).where(Suggestion.reference == reference)
        )


async def test_the_widget_offers_a_one_time_link_and_keeps_its_hash(
    telegram, make_tracker, database_url
):
    reference, offered = await submit(make_tracker)
    assert offered[BUTTON] == intent_payload("follow_on_telegram", reference=reference)
    said = await follow(make_tracker, reference=reference)
    assert responses(said) == ["utter_telegram_link"]
    shown = texts(said)
    token = LINK.search(shown).group(1)
    assert reference in shown and "30 Minuten und nur einmal" in shown
    with Session(get_engine(database_url), future=True) as session:
        link = session.scalar(select(TelegramLink))
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert link.sender_key == sender_key(WEB) and token not in str(vars(link))


async def test_without_a_reference_the_newest_own_suggestion_goes(
    telegram, make_tracker
):
    first, _ = await submit(make_tracker)
    second, _ = await submit(make_tracker, suggestion_run="run-2",
                             suggestion_text="Mehr Bänke auf dem Stiftsplatz")  # fmt: skip
    assert second in texts(await follow(make_tracker))
    # The status answer just before named one (slot `reference`).
    assert first in texts(await follow(make_tracker, slots={"reference": first}))


async def test_only_the_author_gets_a_link_and_only_so_many(
    telegram, make_tracker, monkeypatch
):
    reference, _ = await submit(make_tracker)
    theirs = await follow(make_tracker, "web:" + "c" * 32, reference)
    assert responses(theirs) == ["utter_telegram_link_not_own"]
    assert responses(await follow(make_tracker, reference="V-0000-0000")) == [
        "utter_suggestion_not_found"
    ]
    nothing = await follow(make_tracker, "web:" + "d" * 32)
    assert responses(nothing) == ["utter_no_own_suggestions"]
    monkeypatch.setenv("TELEGRAM_LINKS_PER_DAY", "1")
    get_settings.cache_clear()
    assert responses(await follow(make_tracker, reference=reference)) == [
        "utter_telegram_link"
    ]
    assert responses(await follow(make_tracker, reference=reference)) == [
        "utter_telegram_link_limit"
    ]


async def test_no_offer_without_a_known_bot_nor_on_telegram(make_tracker, monkeypatch):
    _, offered = await submit(make_tracker)
    assert BUTTON not in offered
    said = await follow(make_tracker)
    assert responses(said) == ["utter_telegram_link_unavailable"]
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST-loopback-token")
    get_settings.cache_clear()  # a token alone names no bot
    assert BUTTON not in (await submit(make_tracker, sender="web:" + "e" * 32))[1]
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", BOT)
    get_settings.cache_clear()
    _, offered = await submit(make_tracker, sender=CHAT, channel="telegram")
    assert BUTTON not in offered
    said = await follow(make_tracker, CHAT, channel="telegram")
    assert responses(said) == ["utter_telegram_link_already_there"]


async def status(make_tracker, sender, reference, channel="web"):
    said = CollectingDispatcher()
    tracker = make_tracker(reference, "ask_suggestion_status",
                           [entity("reference", reference)], sender_id=sender)  # fmt: skip
    await ActionSuggestionStatus().run(said, on(tracker, channel), {})
    return said


async def test_the_author_s_status_answer_offers_it_and_telegram_owns_it_then(
    telegram, make_tracker, database_url
):
    """Carried, the suggestion is the Telegram chat's: its status with the
    text, and "Meine Daten löschen" there deletes it; the widget reads it as
    anyone's."""
    reference, _ = await submit(make_tracker)
    assert BUTTON in buttons(await status(make_tracker, WEB, reference))
    assert BUTTON not in buttons(await status(make_tracker, "web:x", reference))
    token = LINK.search(texts(await follow(make_tracker, reference=reference)))[1]
    here = telegram_links.Chat("telegram", CHAT, sender_key(CHAT))
    with Session(get_engine(database_url), future=True) as session, session.begin():
        assert telegram_links.redeem(session, token, here, now=utcnow())
    on_telegram = texts(await status(make_tracker, CHAT, reference, "telegram"))
    in_the_widget = await status(make_tracker, WEB, reference)
    assert FILLED["suggestion_text"] in on_telegram
    assert FILLED["suggestion_text"] not in texts(in_the_widget)
    assert BUTTON not in buttons(in_the_widget)

    await ActionDeleteMyData().run(
        CollectingDispatcher(), on(make_tracker(sender_id=CHAT), "telegram"), {}
    )
    assert stored(database_url, reference) is None
    # An older backup holds it under the web chat's pseudonym: the journal
    # names it by its reference too.
    entries = DeletionJournal(get_settings().deletion_journal).read().entries
    assert [(e.kind, e.key, e.reference) for e in entries] == [
        (EVERYTHING, sender_key(CHAT), None),
        (SUGGESTION, None, reference),
    ]


async def test_a_chat_that_follows_is_offered_a_link_with_its_follows(
    telegram, make_tracker, database_url
):
    from actions.db import follows
    from actions.db.follows import Target

    reference, _ = await submit(make_tracker)
    plain = await follow(make_tracker, reference=reference)
    assert "Link mit meinen Abos" not in buttons(plain)  # nothing followed yet
    with Session(get_engine(database_url), future=True) as session, session.begin():
        follows.add(session, sender_key(WEB), Target("topic", "Mobilität"),
                    channel="web", recipient=WEB)  # fmt: skip
    offer = await follow(make_tracker, reference=reference)
    payload = buttons(offer)["Link mit meinen Abos"]
    assert payload == intent_payload("follow_on_telegram", reference=reference,
                                     choice="with_follows")  # fmt: skip
    said = CollectingDispatcher()
    pressed = make_tracker(payload, "follow_on_telegram",
                           [entity("reference", reference),
                            entity("choice", "with_follows")], sender_id=WEB)  # fmt: skip
    await ActionFollowOnTelegram().run(said, on(pressed, "web"), {})
    assert responses(said) == [
        "utter_telegram_link",
        "utter_telegram_link_with_follows",
    ]
    with Session(get_engine(database_url), future=True) as session:
        newest = session.scalars(select(TelegramLink).order_by(TelegramLink.id)).all()
    assert [link.with_follows for link in newest] == [False, False, True]
