"""Issue 30.9: retention reaches every copy of what a citizen left, at the
boundary (older than the period goes, younger stays), on both databases; and
"Meine Daten löschen" reaches the same copies at once."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from actions.db import audit, callbacks, notifications, review, supports
from actions.db import suggestions as store
from actions.db.models import AuditEntry, Notification, Support
from actions.sdk.deletion_actions import ActionDeleteMyData

NOW = datetime(2026, 12, 2, 10, tzinfo=timezone.utc)
CUTOFF = NOW - timedelta(days=180)
OLDER, YOUNGER = CUTOFF - timedelta(seconds=1), CUTOFF + timedelta(seconds=1)
WORDS = "Ich heiße Erika Muster und wohne in der Lauterstraße 5"


def suggestion(session, *, sender="author", reply_to=None, public=True):
    new = store.NewSuggestion(
        form_run_id=uuid.uuid4().hex, channel="web", sender_key=sender,
        text=f"Eine Bank am Weiher, bitte ({uuid.uuid4().hex[:6]})",
        topic="Stadtentwicklung", reply_to=reply_to,
        public_consent_at=NOW - timedelta(days=400) if public else None,
    )  # fmt: skip
    return store.create(session, new, daily_limit=100, now=NOW - timedelta(days=400))[0]


def callback(session, sender_key: str, reply_to: str):
    return callbacks.create(session, callbacks.NewCallback(
        channel="web", sender_key=sender_key, text="Die Ampel ist kaputt.",
        reply_to=reply_to))  # fmt: skip


def test_team_messages_the_widget_never_showed_go_after_the_period(session):
    """A web live reply or callback answer is "sent" only when the widget shows
    it; a citizen who never came back kept it forever."""
    with session.begin():
        for at in (OLDER, YOUNGER):
            notifications.queue(session, "web", f"web:live-{at:%S}", "Hallo, hier ist Anna.",
                                now=at)  # fmt: skip
            request = callback(session, "k" * 64, f"web:callback-{at:%S}")
            callbacks.answer(session, request, "Wir kümmern uns.", "anna", now=at)
            # Reopened: the request stays, and so did its unseen answer.
            callbacks.set_status(session, request, "in_bearbeitung", "anna")
    with session.begin():
        notifications.purge_before(session, CUTOFF)
    left = session.scalars(select(Notification.recipient).order_by(Notification.id))
    assert list(left) == ["web:live-01", "web:callback-01"]


def test_a_supporters_chat_goes_like_the_authors(session):
    """Support.reply_to is a chat address as much as Suggestion.reply_to."""
    with session.begin():
        done_long_ago, done_lately = suggestion(session), suggestion(session)
        for s in (done_long_ago, done_lately):
            review.publish(session, s.reference, "Eine Bank am Weiher", actor="anna")
            supports.add(session, s.reference, "fan", channel="telegram",
                         reply_to="telegram:4242", now=NOW - timedelta(days=300))  # fmt: skip
        store.change_status(session, done_long_ago, "abgelehnt", actor="anna",
                            public_note="Leider nicht.", now=OLDER)  # fmt: skip
        store.change_status(session, done_lately, "abgelehnt", actor="anna",
                            public_note="Leider nicht.", now=YOUNGER)  # fmt: skip
    with session.begin():
        store.purge_contact_data(session, closed_before=CUTOFF)
    chats = dict(session.execute(select(Support.suggestion_id, Support.reply_to)).all())
    assert chats == {done_long_ago.id: None, done_lately.id: "telegram:4242"}


def test_the_audit_log_keeps_no_citizens_words_past_the_period(session):
    """The review of missed messages audited their first 40 characters, and
    status changes a copy of the internal note, which may quote the citizen."""
    with session.begin():
        for at in (OLDER, YOUNGER):
            entry = audit.record(session, "anna", "nlu_reviewed", "message", WORDS[:40],
                                 None, {"intent": "out_of_scope", "texts": 1})  # fmt: skip
            entry.at = at
            entry = audit.record(session, "anna", "status_changed", "suggestion",
                                 "V-1234-ABCD", {"status": "eingegangen"},
                                 {"status": "in_pruefung", "public_note": None,
                                  "internal_note": WORDS})  # fmt: skip
            entry.at = at
    with session.begin():
        audit.purge_words_before(session, CUTOFF)
    session.expire_all()
    rows = session.execute(
        select(AuditEntry.at, AuditEntry.object_id, AuditEntry.after).order_by(
            AuditEntry.id
        )
    ).all()
    old_review, old_change, new_review, new_change = rows
    assert WORDS[:10] not in old_review.object_id
    assert old_change.after == {"status": "in_pruefung", "public_note": None,
                                "internal_note": None}  # fmt: skip
    assert new_review.object_id == WORDS[:40]
    assert new_change.after["internal_note"] == WORDS


async def test_my_data_reaches_the_same_copies(
    session, settings_env, dispatcher, make_tracker
):
    """ "Meine Daten löschen" took unseen team messages to this chat and the
    chat kept with a support already; the audit log kept the internal notes
    (which may quote the citizen) of the suggestions it erased."""
    from actions.sdk.base import sender_key

    me = "web:erika"
    key = sender_key(me)
    with session.begin():
        other = suggestion(session, sender="author")
        review.publish(session, other.reference, "Eine Bank am Weiher", actor="anna")
        supports.add(session, other.reference, key, channel="web", reply_to=me)
        notifications.queue(session, "web", me, "Hallo, hier ist Anna.", now=NOW)
        request = callback(session, key, me)
        callbacks.answer(session, request, "Wir kümmern uns.", "anna", now=NOW)
        own = suggestion(session, sender=key, reply_to=me).reference
        review.set_status(session, own, "in_pruefung", actor="anna",
                          internal_note=WORDS)  # fmt: skip
    tracker = make_tracker("Meine Daten löschen", "affirm", sender_id=me)
    tracker.latest_message["metadata"] = {"channel": "web"}  # as bot.web.chat sends
    await ActionDeleteMyData().run(dispatcher, tracker, {})
    session.expire_all()
    assert session.scalars(select(Notification.recipient)).all() == []
    assert session.scalars(select(Support.sender_key)).all() == []
    changes = session.scalars(
        select(AuditEntry.after).where(AuditEntry.object_id == own)
    ).all()
    assert changes and all(WORDS not in str(after) for after in changes)


def test_reviewed_wordings_go_after_the_period(session):
    """A staff decision on a missed message keeps its wording (no sender) until
    it is exported as training data; it stayed for good."""
    from actions.db import nlu_review
    from actions.db.models import NluReview

    with session.begin():
        for text, at in (("Ich heiße Erika, wo ist das Amt?", OLDER),
                         ("Wo ist das Bürgeramt?", YOUNGER)):  # fmt: skip
            session.add(NluReview(text_key=nlu_review.text_key(text), text=text,
                                  intent="out_of_scope", decided_by="anna",
                                  decided_at=at))  # fmt: skip
    with session.begin():
        assert nlu_review.purge_decided_before(session, CUTOFF) == 1
    assert session.scalars(select(NluReview.text)).all() == ["Wo ist das Bürgeramt?"]
