"""Photos wait for their sender's form, go with it, and go when data goes."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from actions.db import photos
from actions.db import suggestions as store
from actions.db.models import Photo, utcnow


def add(session, sender="sender-a", now=None):
    return photos.add_pending(session, sender, content=b"\xff\xd8jpeg",
                              media_type="image/jpeg", width=4, height=3,
                              now=now or utcnow())  # fmt: skip


def suggest(session, sender="sender-a", run="run-1", text="Mehr Bänke im Park bitte"):
    new = store.NewSuggestion(form_run_id=run, channel="rest", sender_key=sender,
                              text=text, topic="Beteiligung")  # fmt: skip
    suggestion, _ = store.create(session, new, daily_limit=10)
    session.commit()
    return suggestion


def photo_rows(session) -> int:
    return session.scalar(select(func.count(Photo.id)))


def test_three_photos_wait_then_go_with_the_suggestion(session):
    assert [add(session) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(photos.TooManyPhotos):
        add(session)
    add(session, sender="sender-b")
    session.commit()

    suggestion = suggest(session)
    shown = photos.of_suggestion(session, suggestion.id)
    assert len(shown) == 3 and shown[0].width == 4
    assert photos.pending_count(session, "sender-a") == 0
    assert photos.pending_count(session, "sender-b") == 1
    assert photos.counts(session) == {suggestion.id: 3}
    assert (
        photos.content(session, suggestion.id, shown[0].id).content == b"\xff\xd8jpeg"
    )
    other = suggest(
        session, sender="sender-c", run="run-2", text="Ein anderer Gedanke hier"
    )
    assert photos.content(session, other.id, shown[0].id) is None


def test_deleting_my_data_takes_attached_and_waiting_photos(session):
    add(session)
    session.commit()
    suggest(session)
    add(session)
    add(session, sender="sender-b")
    session.commit()
    store.delete_for_sender(session, "sender-a")
    session.commit()
    assert photo_rows(session) == 1


def test_the_purge_takes_stale_waiting_photos_and_those_of_closed_suggestions(session):
    now = utcnow()
    add(session, now=now - timedelta(hours=25))
    session.commit()
    closed = suggest(session)
    add(session, now=now - timedelta(hours=25))
    add(session, sender="sender-b", now=now)  # still waiting for its form
    session.commit()
    closed.closed_at = now - timedelta(days=200)
    session.commit()
    assert photos.purge(session, now=now, closed_before=now - timedelta(days=180)) == 2
    session.commit()
    assert photo_rows(session) == 1


def test_a_cancelled_form_leaves_no_waiting_photo(session):
    add(session)
    add(session, sender="sender-b")
    assert photos.discard_pending(session, "sender-a") == 1
