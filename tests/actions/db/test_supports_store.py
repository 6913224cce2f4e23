"""Support: once per citizen, only for published open suggestions, news for
those who ask, and gone with "Meine Daten löschen"."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from actions.db import review, supports
from actions.db import suggestions as store
from actions.db.models import Notification, utcnow


def published(session, text="Vor der Grundschule in Kotten fehlt ein Zebrastreifen",
              *, sender="author", publish=True):  # fmt: skip
    new = store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="web",
                              sender_key=sender, text=text, topic="Mobilität",
                              reply_to="web:author", public_consent_at=utcnow())  # fmt: skip
    with session.begin():
        suggestion, _ = store.create(session, new, daily_limit=5)
        if publish:
            review.publish(session, suggestion.reference, "Zebrastreifen Kotten",
                           actor="anna")  # fmt: skip
    return suggestion


def back(session, reference, sender, **kwargs):
    with session.begin():
        suggestion, new = supports.add(session, reference, sender,
                                       channel=kwargs.pop("channel", "web"), **kwargs)  # fmt: skip
        return new, supports.count(session, suggestion.id)


def test_a_citizen_counts_once_and_news_can_be_asked_later(session):
    s = published(session)
    assert back(session, s.reference, "ben") == (True, 1)
    assert back(session, s.reference, "ben") == (False, 1)
    assert back(session, s.reference, "cem", reply_to="telegram:42",
                channel="telegram") == (True, 2)  # fmt: skip
    assert back(session, s.reference, "ben", reply_to="web:ben") == (False, 2)
    with session.begin():
        store.change_status(session, s, "in_pruefung", actor="anna")
    rows = session.scalars(
        select(Notification).where(Notification.suggestion_id == s.id)
    ).all()
    assert sorted((n.channel, n.recipient) for n in rows) == [
        ("telegram", "telegram:42"), ("web", "web:author"), ("web", "web:ben")
    ]  # fmt: skip
    supporter = next(n for n in rows if n.recipient == "web:ben")
    assert (
        "„Zebrastreifen Kotten“" in supporter.text
        and "den Sie unterstützen" in supporter.text
    )


@pytest.mark.parametrize("case", ["unpublished", "closed", "own", "hidden", "unknown"])
def test_only_published_open_suggestions_of_others_can_be_backed(session, case):
    s = published(session, publish=case != "unpublished")
    reference = s.reference
    with session.begin():
        if case == "closed":
            store.change_status(session, s, "zurueckgezogen", actor="buerger")
        if case == "hidden":
            review.set_hidden(session, reference, True, actor="anna")
    if case == "unknown":
        reference = "V-0000-0000"
    sender = "author" if case == "own" else "ben"
    expected = {"unpublished": "not_public", "hidden": "not_public", "closed": "closed",
                "own": "own", "unknown": "unknown"}[case]  # fmt: skip
    with pytest.raises(supports.NotSupportable) as refused, session.begin():
        supports.add(session, reference, sender, channel="web")
    assert refused.value.reason == expected


def test_deleting_my_data_takes_my_support_and_the_count_goes_down(session):
    s = published(session)
    back(session, s.reference, "ben", reply_to="web:ben")
    back(session, s.reference, "cem")
    with session.begin():
        store.delete_for_sender(session, "ben")
        assert supports.count(session, s.id) == 1
        store.change_status(session, s, "in_pruefung", actor="anna")
    recipients = session.scalars(
        select(Notification.recipient).where(Notification.suggestion_id == s.id)
    ).all()
    assert recipients == ["web:author"]


def test_deleting_a_suggestion_takes_its_supports(session):
    s = published(session)
    back(session, s.reference, "ben")
    with session.begin():
        store.delete_for_sender(session, "author")
    assert supports.counts(session, [s.id]) == {}


def test_backing_a_duplicate_backs_its_published_original(session):
    original = published(session)
    duplicate = published(session, "Zebrastreifen an der Grundschule Kotten, bitte",
                          sender="second")  # fmt: skip
    with session.begin():
        review.mark_duplicate(
            session, duplicate.reference, original.reference, actor="anna"
        )
    with session.begin():
        backed, new = supports.add(session, duplicate.reference, "ben", channel="web")
    assert backed.id == original.id and new
    with session.begin():
        review.unpublish(session, original.reference, actor="anna")
    with pytest.raises(supports.NotSupportable) as refused, session.begin():
        supports.add(session, duplicate.reference, "cem", channel="web")
    assert refused.value.reason == "closed"
