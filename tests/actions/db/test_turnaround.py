"""When to expect an answer (issue 36.4): medians of known turnarounds, and
no figure where there are too few cases."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from actions.db import review, turnaround
from actions.db import suggestions as store
from actions.db.turnaround import Turnaround

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def handed_in(session, topic="Mobilität", *, ago=10 * DAY, replies=()):
    """A suggestion handed in `ago` before NOW; `replies`: (after, actor,
    note) status changes: staff take it one step further, the citizen
    withdraws it."""
    new = store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="web",
                              sender_key=uuid.uuid4().hex, reply_to="web:x",
                              text=f"Idee {uuid.uuid4().hex}", topic=topic)  # fmt: skip
    created = NOW - ago
    with session.begin():
        suggestion, _ = store.create(session, new, daily_limit=5, now=created)
        steps = iter(["in_pruefung", "angenommen", "umgesetzt"])
        for after, actor, note in replies:
            to = "zurueckgezogen" if actor == store.CITIZEN else next(steps)
            store.change_status(session, suggestion, to, actor=actor,
                                public_note=note, now=created + after)  # fmt: skip
    return suggestion


def answered(session, topic="Mobilität", after=DAY, **kwargs):
    return handed_in(session, topic, replies=[(after, "anna", "Danke!")], **kwargs)


def figures(session):
    with session.begin():
        return turnaround.compute(session, now=NOW)


def test_medians_per_topic_and_overall(session):
    for after in (DAY, 2 * DAY, 3 * DAY + 12 * HOUR, 10 * DAY, 20 * DAY):
        answered(session, "Mobilität", after)
    for hours in (1, 2, 3, 4):
        answered(session, "Verwaltung", hours * HOUR)
    found = figures(session)
    assert found.topics == {"Mobilität": Turnaround(3 * DAY + 12 * HOUR, 5)}
    assert found.topics["Mobilität"].days == 4  # rounded up
    # 4 cases give Verwaltung no figure of its own, but count overall.
    assert found.too_few == {"Verwaltung": 4}
    assert found.overall == Turnaround(DAY, 9) and found.overall.days == 1
    assert found.for_topic("Mobilität") == ("Mobilität", found.topics["Mobilität"])
    assert found.for_topic("Verwaltung") == (None, found.overall)
    assert found.for_topic("Beteiligung") == (None, found.overall)


def test_an_even_number_of_cases_takes_the_middle_two_and_under_a_day_is_one(session):
    for hours in (1, 2, 3, 5, 6, 7):
        answered(session, "Beteiligung", hours * HOUR)
    found = figures(session)
    assert found.topics["Beteiligung"] == Turnaround(4 * HOUR, 6)
    assert found.topics["Beteiligung"].days == 1


def test_fewer_than_five_cases_give_no_figure(session):
    for _ in range(4):
        answered(session)
    handed_in(session)  # not answered: no case
    found = figures(session)
    assert (found.overall, found.topics, found.too_few) == (None, {}, {"Mobilität": 4})
    assert found.for_topic("Mobilität") is None


def test_only_the_first_staff_reply_with_words_within_the_window_counts(session):
    for _ in range(5):
        answered(session, after=2 * DAY)
    # None of these is a case; each would pull the median to an hour.
    answered(session, after=HOUR, ago=181 * DAY)  # older than 180 days
    answered(session, after=-HOUR, ago=-2 * HOUR)  # handed in after `now`
    hidden = answered(session, after=HOUR)
    with session.begin():
        review.set_hidden(session, hidden.reference, True, actor="anna")
    handed_in(session, replies=[(HOUR, store.CITIZEN, "Ich ziehe ihn zurück.")])
    handed_in(session, replies=[(HOUR, "anna", None)])  # a status without words
    asked = handed_in(session)
    with session.begin():
        review.send_message(session, asked.reference,
                            "Wann passt Ihnen ein Ortstermin?", actor="anna")  # fmt: skip
    assert figures(session).overall == Turnaround(2 * DAY, 5)

    # A status without words first, the reply later: the reply's time counts.
    for _ in range(5):
        handed_in(session, "Verwaltung", replies=[(HOUR, "anna", None),
                  (3 * DAY, "anna", "Wir setzen das um."), (4 * DAY, "anna", "Fertig.")])  # fmt: skip
    assert figures(session).topics["Verwaltung"] == Turnaround(3 * DAY, 5)


def test_waiting_for_a_reply(session):
    assert turnaround.waiting_for_reply(handed_in(session))
    assert turnaround.waiting_for_reply(
        handed_in(session, replies=[(HOUR, "anna", None)])
    )
    assert not turnaround.waiting_for_reply(answered(session))
    withdrawn = handed_in(session, replies=[(HOUR, store.CITIZEN, None)])
    assert not turnaround.waiting_for_reply(withdrawn)
    hidden = handed_in(session)
    with session.begin():
        review.set_hidden(session, hidden.reference, True, actor="anna")
    assert not turnaround.waiting_for_reply(hidden)


def test_overdue_past_the_topics_time_or_the_overall_one(session):
    for after in (DAY, 2 * DAY, 3 * DAY + 12 * HOUR, 10 * DAY, 20 * DAY):
        answered(session, "Mobilität", after, ago=30 * DAY)  # 4 days
    for _ in range(4):
        answered(session, "Verwaltung", HOUR, ago=30 * DAY)  # overall: 1 day
    found = figures(session)
    late = handed_in(session, "Mobilität", ago=4 * DAY + HOUR)
    in_time = handed_in(session, "Mobilität", ago=4 * DAY - HOUR)
    late_overall = handed_in(session, "Verwaltung", ago=2 * DAY)
    replied = answered(session, "Mobilität", 5 * DAY, ago=6 * DAY)
    no_words = handed_in(
        session, "Mobilität", ago=6 * DAY, replies=[(HOUR, "anna", None)]
    )
    withdrawn = handed_in(
        session, "Mobilität", ago=6 * DAY, replies=[(HOUR, store.CITIZEN, None)]
    )
    page = [late, in_time, late_overall, replied, no_words, withdrawn]
    with session.begin():
        marked = turnaround.overdue(session, page, found, now=NOW)
    assert marked == {
        late.id: found.topics["Mobilität"],
        late_overall.id: found.overall,
        no_words.id: found.topics["Mobilität"],
    }


def test_recent_figures_are_computed_once_in_a_while(session, monkeypatch):
    for _ in range(5):
        answered(session)
    with session.begin():
        first = turnaround.recent(session, now=NOW)
    answered(session, after=5 * DAY)
    with session.begin():
        assert turnaround.recent(session, now=NOW) is first
    monkeypatch.setattr(turnaround, "FRESH_SECONDS", 0.0)
    with session.begin():
        assert turnaround.recent(session, now=NOW).overall.cases == 6
