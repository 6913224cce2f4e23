"""Issue 30.12: a new web session costs nothing, so supports are limited per
client address and day (a keyed hash of the address in the message's
metadata, set by the web app), and a burst is visible in figures for staff."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.db import review, supports
from actions.db import suggestions as store
from actions.db.models import Support, utcnow
from actions.db.session import get_engine
from actions.sdk.support_actions import ActionSupportSuggestion
from core.settings import get_settings
from tests.helpers import entity, responses, template_text

ADDRESS, OTHER = "a1" * 16, "b2" * 16


@pytest.fixture
def limit(monkeypatch, settings_env) -> int:
    monkeypatch.setenv("SUPPORTS_PER_ADDRESS_PER_DAY", "3")
    get_settings.cache_clear()
    yield 3
    get_settings.cache_clear()


def published(database_url, title="Zebrastreifen an der Kottenschule") -> str:
    new = store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="web",
                              sender_key="author", text=f"{title}, bitte sehr",
                              topic="Mobilität", public_consent_at=utcnow())  # fmt: skip
    with Session(get_engine(database_url), future=True) as session, session.begin():
        suggestion, _ = store.create(session, new, daily_limit=5)
        review.publish(session, suggestion.reference, title, actor="anna")
        return suggestion.reference


def backing(reference: str, address: str | None) -> Tracker:
    """A fresh web session saying "Ich unterstütze V-…" from `address`."""
    metadata = {"channel": "web"}
    if address is not None:
        metadata["address_key"] = address
    message = {"text": f"Ich unterstütze {reference}",
               "intent": {"name": "support_suggestion", "confidence": 1.0},
               "entities": [entity("reference", reference)], "metadata": metadata}  # fmt: skip
    return Tracker(sender_id=f"web:{uuid.uuid4().hex}", slots={},
                   latest_message=message, events=[], paused=False,
                   followup_action=None, active_loop={},
                   latest_action_name="action_listen")  # fmt: skip


async def back(reference: str, address: str | None) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    await ActionSupportSuggestion().run(dispatcher, backing(reference, address), {})
    return dispatcher


def rows(database_url) -> list[tuple[str | None]]:
    with Session(get_engine(database_url), future=True) as session:
        return session.execute(select(Support.address_key)).all()


async def test_one_address_backs_as_often_as_the_day_allows_and_no_more(
    limit, database_url, caplog
):
    """Before, every fresh session counted: about 60 a minute from one address."""
    first, second = published(database_url), published(database_url, "Mehr Bänke")
    address = uuid.uuid4().hex  # the operator reads one line per address and day
    for reference in (first, first, second):
        assert responses(await back(reference, address)) == ["utter_supported"]
    refused = await back(first, address)
    assert responses(refused) == [], refused.messages
    assert refused.messages[0]["text"] == template_text("tpl_support_address_limit")
    assert "supports from one address reached the daily limit" in caplog.text
    assert len(rows(database_url)) == limit
    assert responses(await back(first, OTHER)) == ["utter_supported"]


async def test_without_an_address_key_only_the_pseudonym_counts(limit, database_url):
    """Telegram has no client address: an account there is not free."""
    reference = published(database_url)
    for _ in range(limit + 1):
        assert responses(await back(reference, None)) == ["utter_supported"]


async def test_a_forged_address_key_is_not_taken(limit, database_url):
    reference = published(database_url)
    await back(reference, "not a key; DROP TABLE")
    assert rows(database_url) == [(None,)]


def test_the_figures_of_a_burst(session):
    now = utcnow()
    new = store.NewSuggestion(form_run_id="run-1", channel="web", sender_key="author",
                              text="Zebrastreifen an der Kottenschule, bitte",
                              topic="Mobilität", public_consent_at=now)  # fmt: skip
    suggestion, _ = store.create(session, new, daily_limit=5)
    review.publish(session, suggestion.reference, "Zebrastreifen Kotten", actor="anna")
    backers = [(ADDRESS, 5), (ADDRESS, 20), (ADDRESS, 50), (OTHER, 10), (None, 30),
               (ADDRESS, 70)]  # fmt: skip
    for number, (address, minutes) in enumerate(backers):
        supports.add(session, suggestion.reference, f"fan-{number}", channel="web",
                     address_key=address, daily_limit=100,
                     now=now - timedelta(minutes=minutes))  # fmt: skip
    burst = supports.burst(session, suggestion.id, now=now)
    assert burst == supports.Burst(last_hour=5, from_one_address=3)
    assert supports.bursts(session, now=now) == [(suggestion.reference, burst)]


def test_address_keys_are_forgotten_after_their_day(session):
    now = utcnow()
    new = store.NewSuggestion(form_run_id="run-1", channel="web", sender_key="author",
                              text="Zebrastreifen an der Kottenschule, bitte",
                              topic="Mobilität", public_consent_at=now)  # fmt: skip
    suggestion, _ = store.create(session, new, daily_limit=5)
    review.publish(session, suggestion.reference, "Zebrastreifen Kotten", actor="anna")
    for number, hours in enumerate((1, 47, 49)):
        supports.add(session, suggestion.reference, f"fan-{number}", channel="web",
                     address_key=ADDRESS, daily_limit=100,
                     now=now - timedelta(hours=hours))  # fmt: skip
    assert supports.forget_addresses(session, now=now) == 1
    kept = session.scalars(select(Support.address_key).order_by(Support.id)).all()
    assert kept == [ADDRESS, ADDRESS, None]
