"""Issue 36.3: a one-time link carries a web chat's suggestion to Telegram."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from actions.db import erasure, review, telegram_links
from actions.db import suggestions as store
from actions.db.models import AuditEntry, Notification, TelegramLink
from actions.db.telegram_links import Chat

NOW = datetime(2026, 12, 2, 10, tzinfo=timezone.utc)
LIFETIME = timedelta(minutes=30)
WEB, WEB_KEY = "web:" + "a" * 32, "w" * 64
TELEGRAM = Chat("telegram", "telegram:4242", "t" * 64)


def suggestion(session, key=WEB_KEY, language=None):
    new = store.NewSuggestion(
        form_run_id=uuid.uuid4().hex, channel="web", sender_key=key,
        text="Am Rathaus fehlen Fahrradbügel für Besucher", topic="Mobilität",
        reply_to=WEB, language=language,
    )  # fmt: skip
    return store.create(session, new, daily_limit=10, now=NOW)[0]


def issue(session, made, *, now=NOW, per_day=10, key=WEB_KEY):
    return telegram_links.issue(session, made, sender_key=key, now=now,
                                lifetime=LIFETIME, per_day=per_day)  # fmt: skip


def news(session, made) -> list[tuple[str, str, bool]]:
    return [
        (n.channel, n.recipient, n.sent_at is not None)
        for n in session.scalars(
            select(Notification)
            .where(Notification.suggestion_id == made.id)
            .order_by(Notification.id)
        )
    ]


def test_a_link_carries_the_suggestion_with_its_unread_news_once(session):
    with session.begin():
        made = suggestion(session)
        review.set_status(session, made.reference, "in_pruefung", actor="anna")
        session.execute(Notification.__table__.update().values(sent_at=NOW))
        review.send_message(session, made.reference, "Wo genau?", actor="anna")
        token = issue(session, made)
    with session.begin():
        carried = telegram_links.redeem(session, token, TELEGRAM, now=NOW)
    assert carried is not None and carried.id == made.id
    assert (carried.channel, carried.reply_to, carried.sender_key) == (
        "telegram", "telegram:4242", "t" * 64)  # fmt: skip
    assert carried.carried_at == NOW
    with session.begin():
        # What the widget showed stays with it; what it did not show moves.
        assert news(session, made) == [("web", WEB, True),
                                       ("telegram", "telegram:4242", False)]  # fmt: skip
        review.set_status(session, made.reference, "angenommen", actor="anna")
    with session.begin():
        assert news(session, made)[-1] == ("telegram", "telegram:4242", False)
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == telegram_links.CARRIED)
        )
        assert entry.object_id == made.reference and entry.actor == "citizen"
        assert (entry.before, entry.after) == ({"channel": "web"},
                                               {"channel": "telegram"})  # fmt: skip
    other = Chat("telegram", "telegram:777", "o" * 64)
    with session.begin():
        assert telegram_links.redeem(session, token, other, now=NOW) is None
        assert session.get(type(made), made.id).reply_to == "telegram:4242"


def test_the_token_is_random_and_only_its_hash_is_kept(session):
    with session.begin():
        made = suggestion(session)
        tokens = {issue(session, made) for _ in range(3)}
    assert len(tokens) == 3
    assert all(telegram_links.TOKEN.match(t) for t in tokens)  # Telegram allows 64
    with session.begin():
        stored = set(session.scalars(select(TelegramLink.token_hash)))
    assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}


def test_an_expired_unknown_or_malformed_token_carries_nothing(session):
    with session.begin():
        made = suggestion(session)
        token = issue(session, made)
    late = NOW + LIFETIME
    for asked, at in ((token, late), ("A" * 43, NOW), ("kurz", NOW), ("", NOW),
                      (token + "x", NOW), ("ä" * 43, NOW)):  # fmt: skip
        with session.begin():
            assert telegram_links.redeem(session, asked, TELEGRAM, now=at) is None
    with session.begin():
        assert session.get(type(made), made.id).reply_to == WEB
        # Just before its end it still works.
        moment = late - timedelta(seconds=1)
        assert telegram_links.redeem(session, token, TELEGRAM, now=moment)


def test_a_second_link_is_spent_once_the_first_carried_the_suggestion(session):
    with session.begin():
        made = suggestion(session)
        first, second = issue(session, made), issue(session, made)
    with session.begin():
        assert telegram_links.redeem(session, first, TELEGRAM, now=NOW)
    other = Chat("telegram", "telegram:777", "o" * 64)
    with session.begin():
        assert telegram_links.redeem(session, second, other, now=NOW) is None
        assert session.get(type(made), made.id).sender_key == TELEGRAM.sender_key


def test_a_web_chat_gets_so_many_links_a_day(session):
    with session.begin():
        made = suggestion(session)
        assert issue(session, made, per_day=2) and issue(session, made, per_day=2)
        assert issue(session, made, per_day=2) is None
        theirs = suggestion(session, key="x" * 64)
        assert issue(session, theirs, per_day=2, key="x" * 64)  # their own budget
        a_day_later = NOW + telegram_links.BUDGET_WINDOW
        assert issue(session, made, now=a_day_later, per_day=2)


def test_links_go_a_day_after_their_end(session):
    with session.begin():
        made = suggestion(session)
        issue(session, made)
    end = NOW + LIFETIME
    with session.begin():
        assert telegram_links.expire(session, now=end + timedelta(hours=23)) == 0
        assert telegram_links.expire(session, now=end + timedelta(days=1, seconds=1))
        assert session.scalar(select(func.count(TelegramLink.id))) == 0


def test_deleting_the_suggestion_or_the_conversation_deletes_its_links(session):
    with session.begin():
        made, kept = suggestion(session), suggestion(session, key="x" * 64)
        issue(session, made), issue(session, kept, key="x" * 64)
    with session.begin():
        erasure.clear_conversation(session, "x" * 64, [])
        erasure.delete_everything(session, WEB_KEY, [])
    with session.begin():
        assert session.scalar(select(func.count(TelegramLink.id))) == 0
        assert session.get(type(kept), kept.id) is not None


def test_the_chat_is_told_in_the_suggestion_s_language(session):
    with session.begin():
        made = suggestion(session, language="en")
        token = issue(session, made)
    with session.begin():
        said = telegram_links.answer(session, token, TELEGRAM, now=NOW, language=None)
    assert said.reference == made.reference and said.language == "en"
    assert f"updates on your suggestion {made.reference} here on Telegram" in said.text
    with session.begin():
        again = telegram_links.answer(session, token, TELEGRAM, now=NOW, language=None)
        english = telegram_links.answer(session, token, TELEGRAM, now=NOW,
                                        language="en")  # fmt: skip
    assert again.reference is None and again.language is None
    assert again.text.startswith("Dieser Link ist abgelaufen oder wurde schon benutzt.")
    assert english.text.startswith("This link has expired or has already been used.")


def test_a_carried_suggestion_is_named_for_the_deletion_journal(session):
    with session.begin():
        made, stayed = suggestion(session), suggestion(session, key=TELEGRAM.sender_key)
        token = issue(session, made)
        assert telegram_links.carried_to(session, TELEGRAM.sender_key) == []
        telegram_links.redeem(session, token, TELEGRAM, now=NOW)
    with session.begin():
        assert telegram_links.carried_to(session, TELEGRAM.sender_key) == [
            made.reference
        ]
        assert stayed.reference not in telegram_links.carried_to(
            session, TELEGRAM.sender_key
        )


def test_follows_go_along_only_with_a_link_asked_for_them(session):
    from actions.db import follows
    from actions.db.follows import Target

    with session.begin():
        made = suggestion(session)
        follows.add(session, WEB_KEY, Target("district", "Kotten"), channel="web",
                    recipient=WEB, now=NOW)  # fmt: skip
        plain = issue(session, made)
    with session.begin():
        telegram_links.redeem(session, plain, TELEGRAM, now=NOW)
        assert [f.recipient for f in follows.of_citizen(session, WEB_KEY)] == [WEB]

    with session.begin():
        second = suggestion(session)
        along = telegram_links.issue(session, second, sender_key=WEB_KEY, now=NOW,
                                     lifetime=LIFETIME, per_day=10,
                                     with_follows=True)  # fmt: skip
    with session.begin():
        telegram_links.redeem(session, along, TELEGRAM, now=NOW)
        assert follows.of_citizen(session, WEB_KEY) == []
        moved = follows.of_citizen(session, TELEGRAM.sender_key)
        assert [(f.kind, f.value, f.channel, f.recipient) for f in moved] == [
            ("district", "Kotten", "telegram", "telegram:4242")
        ]
