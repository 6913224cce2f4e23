"""The daily digest of what citizens follow (issue 36.2): what is new since
the last one reaches each chat once, in one message a day at most, in the
chat's language; what came before the follow, or came again, does not."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from actions.db import digest, follows, ics, notifications, review
from actions.db import suggestions as store
from actions.db.follows import Target
from actions.db.models import Follow, Notification, utcnow
from actions.db.session import in_transaction

BERLIN = ZoneInfo("Europe/Berlin")
BOARD = "https://stadt.example"
DISTRICTS = {"innenstadt": "Innenstadt", "downtown": "Innenstadt",
             "innenstadt-west": "Innenstadt-West", "kotten": "Kotten"}  # fmt: skip
INNENSTADT = Target("district", "Innenstadt")
DAY = timedelta(days=1)


def follow(url, target, key="anna", *, language=None, now=None):
    in_transaction(url, lambda s: follows.add(
        s, key, target, channel="web", recipient=f"web:{key}", language=language,
        now=now or utcnow() - timedelta(minutes=1)))  # fmt: skip


def published(url, title="Zebrastreifen am Markt", *, district="Innenstadt",
              topic="Mobilität"):  # fmt: skip
    new = store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="web",
                              sender_key="author", topic=topic, district=district,
                              text=f"Ein Zebrastreifen ({uuid.uuid4().hex[:6]})",
                              public_consent_at=utcnow())  # fmt: skip

    def work(session):
        suggestion, _ = store.create(session, new, daily_limit=100)
        review.publish(session, suggestion.reference, title, actor="anna")
        return suggestion.reference

    return in_transaction(url, work)


def imported(url, title="Bürgerversammlung", location="Rathaus, Innenstadt"):
    start = (utcnow() + 30 * DAY).strftime("%Y%m%dT%H%M00Z")
    feed = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Stadt//Test//DE\r\n"
        f"BEGIN:VEVENT\r\nUID:{uuid.uuid4().hex}@stadt.example\r\n"
        f"SUMMARY:{title}\r\nDTSTART:{start}\r\nLOCATION:{location}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    in_transaction(url, lambda s: ics.import_events(s, feed, tz=BERLIN, feed="f"))


def run(url, *, days_later=0):
    """The digest as the runner makes it once the news so far has settled."""
    now = utcnow() + digest.SETTLE + days_later * DAY
    return in_transaction(url, lambda s: digest.run(
        s, today=now.astimezone(BERLIN).date(), now=now, tz=BERLIN,
        districts=DISTRICTS, board_url=BOARD))  # fmt: skip


def queued(url, recipient="web:anna") -> list[str]:
    return in_transaction(url, lambda s: list(s.scalars(
        select(Notification.text).where(Notification.recipient == recipient)
        .order_by(Notification.id))))  # fmt: skip


def test_a_district_follower_gets_a_published_suggestion_and_an_event_once(
    database_url,
):
    follow(database_url, INNENSTADT)
    reference = published(database_url)
    imported(database_url)
    report = run(database_url)
    assert (report.chats, report.sent, report.items) == (1, 1, 2)
    [text] = queued(database_url)
    assert text.startswith("Neues zu dem, was Sie verfolgen:")
    assert (
        f"• Neuer Vorschlag: „Zebrastreifen am Markt“ {BOARD}/vorschlaege/{reference}"
        in text
    )
    assert "• Termin: Bürgerversammlung, " in text and " Uhr" in text
    assert "„Meine Abos“" in text and "„Abbestellen“" in text
    # The widget shows it like any news, without a suggestion of its own.
    [row] = in_transaction(database_url, lambda s: [
        (n.suggestion_id, n.text) for n in notifications.pending_for(
            s, "web", "web:anna", 10)])  # fmt: skip
    assert row == (None, text)

    # Again the same day, and the next day with nothing new: nothing.
    assert run(database_url).sent == 0
    assert run(database_url, days_later=1).sent == 0
    assert len(queued(database_url)) == 1


def test_the_next_day_brings_only_what_is_new_since(database_url):
    follow(database_url, INNENSTADT)
    first = published(database_url, "Bank am Brunnen")
    assert run(database_url).sent == 1
    second = published(database_url, "Baum vor der Schule")
    assert run(database_url).sent == 0  # one message a day at most
    assert run(database_url, days_later=1).sent == 1
    latest = queued(database_url)[-1]
    assert second in latest and first not in latest


def test_status_changes_by_staff_of_a_followed_suggestion(database_url):
    reference = published(database_url, district=None, topic="Umwelt")
    follow(database_url, Target("suggestion", reference))

    def change(session, to, actor):
        suggestion = store.by_reference(session, reference)
        store.change_status(session, suggestion, to, actor=actor)

    in_transaction(database_url, lambda s: change(s, "in_pruefung", "anna"))
    run(database_url)
    [text] = queued(database_url)
    assert (
        f"• „Zebrastreifen am Markt“: in Prüfung {BOARD}/vorschlaege/{reference}"
        in text
    )
    # The citizen's own withdrawal is no news from staff.
    in_transaction(database_url, lambda s: change(s, "zurueckgezogen", store.CITIZEN))
    assert run(database_url, days_later=1).sent == 0


def test_what_came_before_the_follow_is_not_news(database_url):
    published(database_url)
    imported(database_url)
    follow(database_url, INNENSTADT, now=utcnow() + timedelta(seconds=1))
    report = run(database_url)
    assert (report.chats, report.sent) == (1, 0)


def test_a_district_is_a_whole_name_in_the_events_place(database_url):
    follow(database_url, INNENSTADT)
    follow(database_url, Target("district", "Innenstadt-West"), "ben")
    follow(database_url, Target("district", "Kotten"), "cem")
    imported(database_url, "Sommerfest", "Stadtteilbüro Innenstadt-West")
    imported(database_url, "Lauftreff", "Treffpunkt KOTTEN, Parkplatz")
    imported(database_url, "Stadtführung", "Downtown, at the town hall")  # an alias
    run(database_url)
    [anna], [ben], [cem] = (
        queued(database_url, f"web:{k}") for k in ("anna", "ben", "cem")
    )
    assert "Stadtführung" in anna and "Sommerfest" not in anna
    assert "Sommerfest" in ben and "Stadtführung" not in ben
    assert "Lauftreff" in cem


def test_stopped_follows_get_nothing(database_url):
    follow(database_url, INNENSTADT)
    in_transaction(database_url, lambda s: follows.remove(s, "anna"))
    published(database_url)
    assert run(database_url).chats == 0
    assert queued(database_url) == []


def test_two_processes_at_once_send_one_message(database_url):
    follow(database_url, INNENSTADT)
    published(database_url)
    start = threading.Barrier(2)
    reports = []

    def process():
        start.wait()
        reports.append(run(database_url))

    threads = [threading.Thread(target=process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.sent for r in reports) == [0, 1]
    assert len(queued(database_url)) == 1


@pytest.mark.parametrize(
    ("language", "opening", "line"),
    [
        (
            "en",
            "News about what you follow:",
            "• New suggestion: “Zebrastreifen am Markt”",
        ),
        ("leicht", "Es gibt etwas Neues.", "• Neue Idee: Zebrastreifen am Markt."),
    ],
)
def test_the_digest_speaks_the_chats_language(database_url, language, opening, line):
    follow(database_url, INNENSTADT, language=language)
    published(database_url)
    run(database_url)
    [text] = queued(database_url)
    assert text.startswith(opening) and line in text


def test_beyond_max_items_the_rest_is_on_the_board(database_url):
    follow(database_url, INNENSTADT)
    for n in range(digest.MAX_ITEMS + 2):
        published(database_url, f"Vorschlag Nummer {n}")
    assert run(database_url).items == digest.MAX_ITEMS + 2
    [text] = queued(database_url)
    assert text.count("• Neuer Vorschlag") == digest.MAX_ITEMS
    assert f"… und 2 weitere: {BOARD}/vorschlaege" in text


def test_news_of_the_last_minutes_waits_for_the_next_digest(database_url):
    follow(database_url, INNENSTADT, now=utcnow() - DAY)
    published(database_url)
    now = utcnow()  # the suggestion is younger than SETTLE
    in_transaction(database_url, lambda s: digest.run(
        s, today=now.astimezone(BERLIN).date(), now=now, tz=BERLIN,
        districts=DISTRICTS))  # fmt: skip
    assert queued(database_url) == []
    assert run(database_url, days_later=1).sent == 1


def test_a_follow_asked_for_after_the_days_digest_waits_for_the_next(database_url):
    follow(database_url, INNENSTADT)
    published(database_url, "Erster Vorschlag")
    assert run(database_url).sent == 1
    follow(database_url, Target("topic", "Mobilität"))
    published(database_url, "Zweiter Vorschlag")
    report = run(database_url)
    assert (report.chats, report.sent) == (0, 0)
    assert run(database_url, days_later=1).sent == 1
    total = in_transaction(
        database_url, lambda s: s.scalar(select(func.count(Follow.id)))
    )
    assert total == 2
