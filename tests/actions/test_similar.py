"""Similar open suggestions from the database: published ones for citizens,
every one but spam for staff; closed ones never."""

from __future__ import annotations

import uuid

from actions.db import review
from actions.db import suggestions as store
from actions.db.models import utcnow
from actions.db.places import Position
from actions.db.similar import Idea, similar

CROSSING = "Vor der Grundschule in Kotten fehlt ein Zebrastreifen"


def make(session, text, *, published=True, **extra):
    new = store.NewSuggestion(
        form_run_id=uuid.uuid4().hex, channel="rest", sender_key=uuid.uuid4().hex,
        text=text, topic=extra.pop("topic", "Mobilität"),
        public_consent_at=utcnow() if published else None, **extra,
    )  # fmt: skip
    with session.begin():
        suggestion, _ = store.create(session, new, daily_limit=5)
        if published:
            review.publish(session, suggestion.reference, text[:60], actor="anna")
    return suggestion


def test_citizens_see_only_published_open_suggestions(session):
    shown = make(session, CROSSING, district="Kotten")
    make(session, "Zebrastreifen an der Grundschule Kotten, bitte", published=False,
         district="Kotten")  # fmt: skip
    closed = make(session, "Ein Zebrastreifen vor der Kottenschule", district="Kotten")
    hidden = make(session, "Zebrastreifen an der Grundschule in Kotten fehlt",
                  district="Kotten")  # fmt: skip
    make(session, "Mehr Bänke im Stadtpark", topic="Stadtentwicklung")
    with session.begin():
        store.change_status(session, closed, "zurueckgezogen", actor="buerger")
        review.set_hidden(session, hidden.reference, True, actor="anna")

    query = Idea("An der Kottenschule braucht es einen Zebrastreifen", "Mobilität",
                 "Kotten")  # fmt: skip
    found = similar(session, query)
    assert [s.reference for s, _score in found] == [shown.reference]
    for_staff = similar(session, query, published_only=False)
    assert len(for_staff) == 2 and hidden.reference not in {
        s.reference for s, _ in for_staff
    }


def test_nothing_similar_nothing_found_and_the_own_one_is_left_out(session):
    own = make(session, CROSSING, district="Kotten")
    assert similar(session, Idea("Längere Öffnungszeiten der Bibliothek")) == []
    assert similar(session, Idea.of(own), exclude_id=own.id) == []
    assert [s.id for s, _ in similar(session, Idea.of(own))] == [own.id]


def test_at_most_three_most_similar_first(session):
    texts = [
        "Mehr Fahrradständer am Stiftsplatz",
        "Am Stiftsplatz fehlen Fahrradständer",
        "Fahrradständer am Stiftsplatz, bitte mehr davon",
        "Mehr Fahrradständer am Stiftsplatz aufstellen",
    ]
    for text in texts:
        make(session, text, position=Position(49.4443, 7.7689))
    query = Idea("Mehr Fahrradständer am Stiftsplatz", "Mobilität",
                 position=Position(49.4445, 7.7691))  # fmt: skip
    found = similar(session, query)
    assert len(found) == 3
    assert [score for _, score in found] == sorted((s for _, s in found), reverse=True)
    assert found[0][0].text == texts[0]
