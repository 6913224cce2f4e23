"""Issue 30.11: photos received in the last hour stay within a budget per
client address and one for everyone, by count and by bytes; waiting photos
expire within the hour."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from actions.db import photos
from actions.db import suggestions as store
from actions.db.models import Photo, utcnow

ADDRESS, OTHER = "a" * 32, "b" * 32
ROOMY = photos.Budget(photos=100, bytes=10**9)


def budgets(per_address=ROOMY, overall=ROOMY) -> photos.Budgets:
    return photos.Budgets(per_address=per_address, overall=overall)


def add(session, size=4, *, address=ADDRESS, sender=None, limits=None, now=None):
    return photos.add_pending(
        session,
        sender or uuid.uuid4().hex,
        content=b"\xff" * size,
        media_type="image/jpeg",
        width=4,
        height=3,
        now=now or utcnow(),
        address_key=address,
        budgets=limits or budgets(),
    )


def refused_scope(session, **kwargs) -> str:
    with pytest.raises(photos.OverBudget) as over:
        add(session, **kwargs)
    return over.value.scope


def test_an_address_gets_exactly_its_number_of_photos(session):
    limits = budgets(per_address=photos.Budget(photos=2, bytes=10**6))
    add(session, limits=limits)
    add(session, limits=limits)
    assert refused_scope(session, limits=limits) == "address"
    add(session, address=OTHER, limits=limits)
    assert photos.received(session, since=utcnow() - timedelta(hours=1),
                           address_key=ADDRESS) == photos.Usage(2, 8)  # fmt: skip


def test_an_address_gets_exactly_its_bytes(session):
    limits = budgets(per_address=photos.Budget(photos=100, bytes=10))
    add(session, size=4, limits=limits)
    add(session, size=6, limits=limits)  # exactly the budget
    assert refused_scope(session, size=1, limits=limits) == "address"
    add(session, size=1, address=OTHER, limits=limits)


def test_everyone_together_gets_exactly_the_overall_budget(session):
    by_count = budgets(overall=photos.Budget(photos=3, bytes=10**6))
    for number in range(3):
        add(session, address=f"{number:032d}", limits=by_count)
    assert refused_scope(session, address="f" * 32, limits=by_count) == "overall"

    by_bytes = budgets(overall=photos.Budget(photos=100, bytes=12 + 20))
    add(session, size=20, address="e" * 32, limits=by_bytes)  # 12 + 20 bytes now
    assert refused_scope(session, size=1, address="d" * 32, limits=by_bytes) == (
        "overall"
    )


def test_photos_sent_with_a_suggestion_count_until_the_hour_is_over(session):
    """Sending the form frees no budget: the photos came from that address."""
    sender = "sender-a"
    limits = budgets(per_address=photos.Budget(photos=2, bytes=10**6))
    add(session, sender=sender, limits=limits)
    add(session, sender=sender, limits=limits)
    session.commit()
    new = store.NewSuggestion(form_run_id="run-1", channel="web", sender_key=sender,
                              text="Mehr Bänke im Park bitte", topic="Beteiligung")  # fmt: skip
    store.create(session, new, daily_limit=10)
    session.commit()
    assert photos.pending_count(session, sender) == 0
    assert refused_scope(session, limits=limits) == "address"
    later = utcnow() + photos.BUDGET_WINDOW + timedelta(seconds=1)
    add(session, limits=limits, now=later)


def test_waiting_photos_expire_within_the_hour_and_sent_ones_stay(session):
    now = utcnow()
    assert timedelta(hours=1) > photos.PENDING_LIFETIME
    add(session, sender="old", now=now - photos.PENDING_LIFETIME - timedelta(seconds=1))
    add(
        session,
        sender="fresh",
        now=now - photos.PENDING_LIFETIME + timedelta(minutes=1),
    )
    add(session, sender="sent", now=now - timedelta(hours=2))
    session.commit()
    new = store.NewSuggestion(form_run_id="run-1", channel="web", sender_key="sent",
                              text="Mehr Bänke im Park bitte", topic="Beteiligung")  # fmt: skip
    store.create(session, new, daily_limit=10, now=now - timedelta(minutes=110))
    session.commit()
    assert photos.pending_count(session, "old", now=now) == 0  # expired already
    assert photos.expire(session, now=now) == 1
    left = session.execute(select(Photo.sender_key, Photo.suggestion_id)).all()
    assert sorted(key for key, _ in left) == ["fresh", "sent"]


def test_an_expired_photo_does_not_go_with_a_late_suggestion(session):
    now = utcnow()
    add(
        session, sender="slow", now=now - photos.PENDING_LIFETIME - timedelta(minutes=1)
    )
    session.commit()
    new = store.NewSuggestion(form_run_id="run-1", channel="web", sender_key="slow",
                              text="Mehr Bänke im Park bitte", topic="Beteiligung")  # fmt: skip
    suggestion, _ = store.create(session, new, daily_limit=10, now=now)
    session.commit()
    assert photos.of_suggestion(session, suggestion.id) == []


def test_the_address_key_is_forgotten_when_the_hour_is_over(session):
    now = utcnow()
    sent_at = now - photos.BUDGET_WINDOW - timedelta(minutes=1)
    add(session, sender="sent", now=sent_at - timedelta(minutes=5))
    add(session, sender="fresh", now=now - timedelta(minutes=5))
    session.commit()
    new = store.NewSuggestion(form_run_id="run-1", channel="web", sender_key="sent",
                              text="Mehr Bänke im Park bitte", topic="Beteiligung")  # fmt: skip
    store.create(session, new, daily_limit=10, now=sent_at)
    photos.expire(session, now=now)
    session.commit()
    keys = session.execute(select(Photo.sender_key, Photo.address_key)).all()
    assert sorted(keys) == [("fresh", ADDRESS), ("sent", None)]
    assert session.scalar(select(func.count(Photo.id))) == 2
