"""Issue 36.2: the day's digest goes out by itself from FOLLOW_DIGEST_HOUR on
(bot/shared/follow_digest.py), once, and wakes the delivery."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, time, timedelta

from sqlalchemy import select

from actions.db import follows, review
from actions.db import suggestions as store
from actions.db.follows import Target
from actions.db.models import Notification, utcnow
from actions.db.session import Database, in_transaction
from bot.shared.follow_digest import FollowDigest, district_names
from core.settings import Settings
from tests.helpers import EXAMPLE_CONTENT


def settings_at(database_url: str, local: datetime) -> Settings:
    return Settings.from_env({"DATABASE_URL": database_url,
                              "SMARTCITY_FIXED_TIME": local.isoformat(),
                              "PUBLIC_URL": "https://stadt.example"})  # fmt: skip


def tomorrow_at(hour: int, minute: int) -> datetime:
    tz = Settings.from_env({}).tz
    day = (utcnow() + timedelta(days=1)).astimezone(tz).date()
    return datetime.combine(day, time(hour, minute), tz)


def news_for_a_follower(url: str) -> str:
    """A chat that follows Innenstadt, and a suggestion published there."""
    in_transaction(url, lambda s: follows.add(
        s, "anna", Target("district", "Innenstadt"), channel="web",
        recipient="web:anna", now=utcnow() - timedelta(minutes=1)))  # fmt: skip
    new = store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="web",
                              sender_key="author", topic="Mobilität",
                              district="Innenstadt", text="Ein Zebrastreifen, bitte",
                              public_consent_at=utcnow())  # fmt: skip

    def publish(session):
        suggestion, _ = store.create(session, new, daily_limit=5)
        review.publish(session, suggestion.reference, "Zebrastreifen am Markt",
                       actor="anna")  # fmt: skip

    in_transaction(url, publish)
    return "Zebrastreifen am Markt"


def texts(url: str) -> list[str]:
    return in_transaction(url, lambda s: list(s.scalars(select(Notification.text))))


async def test_the_digest_waits_for_its_hour_then_goes_once(database_url, caplog):
    title = news_for_a_follower(database_url)
    woken = []

    def digests_at(hour: int, minute: int) -> FollowDigest:
        settings = settings_at(database_url, tomorrow_at(hour, minute))
        return FollowDigest(settings, Database(database_url), lambda: woken.append(1))

    assert await digests_at(16, 59).check() is None
    assert texts(database_url) == [] and woken == []

    with caplog.at_level(logging.INFO, logger="bot.shared.follow_digest"):
        report = await digests_at(17, 0).check()
    assert (report.chats, report.sent, report.items) == (1, 1, 1)
    [text] = texts(database_url)
    assert title in text and "https://stadt.example/vorschlaege/V-" in text
    assert woken == [1]
    [line] = [r.getMessage() for r in caplog.records]
    assert line == "follow digest: 1 chats due, 1 digests queued with 1 items"

    # The checks after the day's run find nothing due and wake nobody.
    report = await digests_at(17, 5).check()
    assert (report.chats, report.sent) == (0, 0) and woken == [1]
    assert len(texts(database_url)) == 1


def test_districts_are_known_by_their_names_and_aliases():
    names = district_names(EXAMPLE_CONTENT)
    assert names["innenstadt"] == names["downtown"] == "Innenstadt"
    assert names["innenstadt-west"] == "Innenstadt-West"


def test_unreadable_districts_match_no_event(tmp_path, caplog):
    assert district_names(tmp_path) == {}
    assert "districts unreadable" in caplog.text
