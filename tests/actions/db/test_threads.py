"""Issue 29: a citizen's answer to the team's message lands with the team."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from actions.db import callbacks, review, threads
from actions.db import suggestions as store
from actions.db.models import Notification, ThreadReply

NOW = datetime(2026, 12, 2, 10, tzinfo=timezone.utc)
CHAT = "telegram:4242"
KEY = "k" * 64


def suggestion(session, reply_to=CHAT, key=KEY):
    new = store.NewSuggestion(
        form_run_id=uuid.uuid4().hex, channel="telegram", sender_key=key,
        text="Am Rathaus fehlen Fahrradbügel für Besucher", topic="Mobilität",
        reply_to=reply_to,
    )  # fmt: skip
    return store.create(session, new, daily_limit=10, now=NOW)[0]


def delivered(session, at=NOW):
    session.execute(
        Notification.__table__.update()
        .values(sent_at=at)
        .where(Notification.sent_at.is_(None))
    )


def test_the_message_after_the_teams_is_offered_once(session):
    with session.begin():
        mine = suggestion(session)
        review.send_message(session, mine.reference, "Klappt es dann?", actor="anna")
    with session.begin():
        # Not delivered yet: no thread.
        assert threads.awaiting_answer(session, "telegram", CHAT, now=NOW) is None
        delivered(session)
    with session.begin():
        thread = threads.awaiting_answer(session, "telegram", CHAT, now=NOW)
    assert thread == threads.Thread(mine.reference, suggestion_id=mine.id)
    with session.begin():  # the next message is no longer "right after"
        assert threads.awaiting_answer(session, "telegram", CHAT, now=NOW) is None


def test_old_team_messages_and_supporters_news_start_no_thread(session):
    with session.begin():
        theirs = suggestion(session, reply_to="telegram:9999", key="o" * 64)
        review.send_message(session, theirs.reference, "Danke!", actor="anna")
        # A supporter's news is about someone else's suggestion.
        session.add(Notification(suggestion_id=theirs.id, channel="telegram",
                                 recipient=CHAT, text="Neuigkeiten", created_at=NOW,
                                 attempts=0))  # fmt: skip
        delivered(session, at=NOW - timedelta(days=2))
    with session.begin():
        assert threads.awaiting_answer(session, "telegram", CHAT, now=NOW) is None
    with session.begin():
        late = NOW + threads.ANSWER_WINDOW + timedelta(days=3)
        assert threads.awaiting_answer(session, "telegram", "telegram:9999",
                                       now=late) is None  # fmt: skip


def test_an_answer_is_sent_only_by_its_writer_and_only_once(session):
    with session.begin():
        mine = suggestion(session)
        thread = threads.Thread(mine.reference, suggestion_id=mine.id)
        held = threads.hold(session, thread, sender_key=KEY, channel="telegram",
                            text="Nein, leider klappt es immer noch nicht", now=NOW)  # fmt: skip
    with session.begin():
        assert threads.send(session, held, "x" * 64, now=NOW) is None  # forged
        assert threads.for_suggestion(session, mine.id) == []
    with session.begin():
        assert threads.send(session, held, KEY, now=NOW) == mine.reference
    with session.begin():
        assert threads.send(session, held, KEY, now=NOW) is None  # once
        [answer] = threads.for_suggestion(session, mine.id)
    assert answer.text == "Nein, leider klappt es immer noch nicht"


def test_no_gives_the_words_back_to_the_assistant(session):
    with session.begin():
        mine = suggestion(session)
        thread = threads.Thread(mine.reference, suggestion_id=mine.id)
        held = threads.hold(session, thread, sender_key=KEY, channel="telegram",
                            text="Welche Termine gibt es?", now=NOW)  # fmt: skip
    with session.begin():
        assert threads.take_back(session, held, KEY) == "Welche Termine gibt es?"
    with session.begin():
        assert session.scalar(select(func.count(ThreadReply.id))) == 0


def test_the_team_s_answer_comes_in_the_language_of_the_message(session):
    """Issue 34: a message left in English is answered with an English frame."""
    with session.begin():
        request = callbacks.create(session, callbacks.NewCallback(
            channel="telegram", sender_key=KEY, text="The light is broken.",
            reply_to=CHAT, language="en"))  # fmt: skip
        assert callbacks.answer(session, request, "We fixed it.", "anna", now=NOW)
        message = session.scalar(select(Notification))
    assert request.language == "en"
    assert message.text == (
        f"The Smart City team's answer to your message {request.reference}:\n"
        "We fixed it."
    )


def test_an_answer_to_a_done_callback_reopens_it(session):
    with session.begin():
        request = callbacks.create(session, callbacks.NewCallback(
            channel="telegram", sender_key=KEY, text="Die Ampel ist kaputt.",
            reply_to=CHAT))  # fmt: skip
        callbacks.answer(session, request, "Wir haben sie repariert. Klappt es?",
                         "anna", now=NOW)  # fmt: skip
        delivered(session)
    with session.begin():
        thread = threads.awaiting_answer(session, "telegram", CHAT, now=NOW)
        assert thread == threads.Thread(request.reference, callback_id=request.id)
        held = threads.hold(session, thread, sender_key=KEY, channel="telegram",
                            text="Nein, leider immer noch nicht", now=NOW)  # fmt: skip
    with session.begin():
        assert threads.send(session, held, KEY, now=NOW) == request.reference
    with session.begin():
        row = callbacks.by_reference(session, request.reference)
        assert row.status == "offen"
        assert [a.text for a in threads.for_callback(session, row.id)] == [
            "Nein, leider immer noch nicht"
        ]


def test_answers_go_with_their_writer_and_with_retention(session):
    with session.begin():
        mine = suggestion(session)
        thread = threads.Thread(mine.reference, suggestion_id=mine.id)
        for text in ("alt", "neu"):
            held = threads.hold(session, thread, sender_key=KEY, channel="telegram",
                                text=text, now=NOW)  # fmt: skip
            threads.send(session, held, KEY, now=NOW)
        session.scalar(
            select(ThreadReply).where(ThreadReply.text == "alt")
        ).created_at = NOW - timedelta(days=400)
    with session.begin():
        assert threads.purge_before(session, NOW - timedelta(days=180)) == 1
    with session.begin():
        assert threads.delete_for_sender(session, KEY) == 1
        assert session.scalar(select(func.count(ThreadReply.id))) == 0


def test_staff_can_write_without_changing_the_status(session):
    with session.begin():
        mine = suggestion(session)
        quiet = suggestion(session, reply_to=None, key="q" * 64)
    with session.begin():
        review.send_message(session, mine.reference, "  Wann passt es Ihnen?  ",
                            actor="anna")  # fmt: skip
    with session.begin():
        [sent] = session.scalars(
            select(Notification).where(Notification.suggestion_id == mine.id)
        ).all()
        assert sent.text.endswith("Wann passt es Ihnen?")
        assert store.by_reference(session, mine.reference).status == "eingegangen"
    for text, where in (("", mine), ("x" * 2001, mine), ("Hallo", quiet)):
        try:
            with session.begin():
                review.send_message(session, where.reference, text, actor="anna")
        except review.ReviewError:
            continue
        raise AssertionError(f"{text[:10]!r} was sent")
