"""What a citizen follows (issue 36.2): once per target, at most
MAX_FOLLOWS_PER_CITIZEN, only what exists publicly; stopped one by one or
all at once, carried to another chat, counted for staff, and gone after the
retention period."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from actions.db import follows, review
from actions.db import suggestions as store
from actions.db.follows import FollowRefused, Target
from actions.db.models import utcnow

NOW = datetime(2026, 12, 2, 10, tzinfo=timezone.utc)
ANNA, BEN = "a" * 64, "b" * 64
INNENSTADT = Target("district", "Innenstadt")


def follow(session, target, key=ANNA, *, channel="web", recipient="web:anna",
           now=NOW, **extra):  # fmt: skip
    with session.begin():
        row, new = follows.add(session, key, target, channel=channel,
                               recipient=recipient, now=now, **extra)  # fmt: skip
        return row, new


def suggestion(session, *, publish=True):
    new = store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="web",
                              sender_key="author", topic="Mobilität",
                              text=f"Ein Zebrastreifen ({uuid.uuid4().hex[:6]})",
                              public_consent_at=utcnow())  # fmt: skip
    with session.begin():
        created, _ = store.create(session, new, daily_limit=100)
        if publish:
            review.publish(session, created.reference, "Zebrastreifen Kotten",
                           actor="anna")  # fmt: skip
    return created


def mine(session, key=ANNA):
    with session.begin():
        return [(f.kind, f.value) for f in follows.of_citizen(session, key)]


def test_following_again_renews_the_chat_and_language_not_the_news(session):
    first, new = follow(session, INNENSTADT)
    assert new and first.news_since == NOW
    later = NOW + timedelta(days=3)
    again, new = follow(session, INNENSTADT, recipient="web:anna-2", now=later,
                        language="en")  # fmt: skip
    assert not new and again.id == first.id
    assert (again.recipient, again.language, again.created_at) == (
        "web:anna-2", "en", later
    )  # fmt: skip
    assert again.news_since == NOW  # what came since is still news
    assert mine(session) == [("district", "Innenstadt")]


def test_twenty_follows_are_allowed_the_twenty_first_is_refused(session):
    for n in range(follows.MAX_FOLLOWS_PER_CITIZEN):
        follow(session, Target("topic", f"Thema {n}"))
    with pytest.raises(FollowRefused) as refused:
        follow(session, Target("topic", "Noch eins"))
    assert refused.value.reason == "limit"
    # Following one of them again is no new follow; another citizen is free.
    assert follow(session, Target("topic", "Thema 3"))[1] is False
    assert follow(session, Target("topic", "Noch eins"), BEN)[1] is True
    assert len(mine(session)) == follows.MAX_FOLLOWS_PER_CITIZEN


def test_a_project_by_any_of_its_names_and_no_unknown_one(session, seeded):
    row, _ = follow(session, Target("project", "smarte laternen"))  # an alias
    assert row.value == "Smarte Straßenbeleuchtung"
    assert follow(session, Target("project", "SMARTE STRASSENBELEUCHTUNG"))[1] is False
    with pytest.raises(FollowRefused) as refused:
        follow(session, Target("project", "Hyperloop"))
    assert refused.value.reason == "unknown"


@pytest.mark.parametrize("case", ["unpublished", "hidden", "unknown", "bad kind"])
def test_only_a_published_suggestion_can_be_followed(session, case):
    shown = suggestion(session, publish=case != "unpublished")
    if case == "hidden":
        with session.begin():
            review.set_hidden(session, shown.reference, True, actor="anna")
    target = {"unknown": Target("suggestion", "V-0000-0001"),
              "bad kind": Target("street", shown.reference)}.get(
                  case, Target("suggestion", shown.reference))  # fmt: skip
    with pytest.raises(FollowRefused) as refused:
        follow(session, target)
    assert refused.value.reason == "unknown"
    assert mine(session) == []


def test_a_published_suggestion_by_its_reference_however_typed(session):
    shown = suggestion(session)
    row, _ = follow(session, Target("suggestion", shown.reference.lower()))
    assert row.value == shown.reference


def test_stop_one_however_written_or_all(session):
    for target in (INNENSTADT, Target("topic", "Mobilität"),
                   Target("topic", "Straße und Verkehr")):  # fmt: skip
        follow(session, target)
    follow(session, INNENSTADT, BEN)
    with session.begin():
        stopped = follows.remove(session, ANNA, Target("topic", "STRASSE UND VERKEHR"))
    assert stopped == [Target("topic", "Straße und Verkehr")]
    with session.begin():
        assert follows.remove(session, ANNA, Target("topic", "Umwelt")) == []
        assert follows.remove(session, ANNA) == [
            INNENSTADT,
            Target("topic", "Mobilität"),
        ]
    assert mine(session) == [] and mine(session, BEN) == [("district", "Innenstadt")]


def test_move_carries_follows_to_another_chat_once(session):
    follow(session, INNENSTADT)
    follow(session, Target("topic", "Mobilität"))
    follow(session, INNENSTADT, BEN, channel="telegram", recipient="telegram:42")
    with session.begin():
        moved = follows.move(session, ANNA, BEN, channel="telegram",
                             recipient="telegram:42")  # fmt: skip
    assert moved == 1
    assert mine(session) == []
    with session.begin():
        theirs = follows.of_citizen(session, BEN)
        assert sorted((f.kind, f.value, f.channel, f.recipient) for f in theirs) == [
            ("district", "Innenstadt", "telegram", "telegram:42"),
            ("topic", "Mobilität", "telegram", "telegram:42"),
        ]


def test_move_keeps_the_budget_of_the_chat_it_goes_to(session):
    for n in range(follows.MAX_FOLLOWS_PER_CITIZEN - 1):
        follow(session, Target("topic", f"T{n}"), BEN)
    follow(session, INNENSTADT)
    follow(session, Target("district", "Kotten"))
    with session.begin():
        moved = follows.move(session, ANNA, BEN, channel="telegram",
                             recipient="telegram:42")  # fmt: skip
    assert moved == 1
    assert len(mine(session, BEN)) == follows.MAX_FOLLOWS_PER_CITIZEN
    assert len(mine(session)) == 1  # what did not fit stays where it was


def test_counts_per_kind_and_value(session):
    follow(session, INNENSTADT)
    follow(session, INNENSTADT, BEN)
    follow(session, Target("topic", "Mobilität"), BEN)
    with session.begin():
        counted = follows.counts(session)
    assert counted["district"] == {"Innenstadt": 2}
    assert counted["topic"] == {"Mobilität": 1}
    assert not counted["project"] and not counted["suggestion"]


def test_a_follow_ends_after_the_retention_period_unless_renewed(session):
    follow(session, INNENSTADT, now=NOW - timedelta(days=181))
    follow(session, Target("topic", "Mobilität"), now=NOW - timedelta(days=181))
    follow(session, Target("topic", "Mobilität"), now=NOW - timedelta(days=1))
    with session.begin():
        assert follows.purge_older_than(session, 180, now=NOW) == 1
    assert mine(session) == [("topic", "Mobilität")]


def test_deleting_a_citizens_data_or_chat_removes_their_follows(session):
    from actions.db import erasure, personal_data

    follow(session, INNENSTADT)
    follow(session, INNENSTADT, BEN)
    with session.begin():  # what "Verlauf löschen" names first
        assert personal_data.left_by(session, ANNA).as_dict()["follows"] == [
            "Innenstadt"
        ]
    with session.begin():
        erasure.delete_everything(session, ANNA, [])
    assert mine(session) == [] and mine(session, BEN) != []
    with session.begin():
        erasure.clear_conversation(session, BEN, [])
    assert mine(session, BEN) == []
