"""Issue 30.13: two staff marking A and B duplicates of each other at once.
PostgreSQL lets two writers run side by side (SQLite's BEGIN IMMEDIATE never
does), so the races are run there."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.db import review, supports
from actions.db import suggestions as store
from actions.db.models import Suggestion
from actions.db.session import get_engine, in_transaction

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]
# Long enough for the other transaction to get as far as it can meanwhile.
HOLD_SECONDS = 1.5


def idea(url: str, text: str) -> str:
    new = store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="web",
                              sender_key=uuid.uuid4().hex, text=text,
                              topic="Mobilität")  # fmt: skip
    return in_transaction(
        url, lambda s: store.create(s, new, daily_limit=9)[0].reference
    )


def pair(url: str, chained: bool) -> tuple[str, str, str, str]:
    """A and B, and what Anna and Ben name as the original: B and A, or
    (chained) C, a duplicate of B, and D, a duplicate of A."""
    a = idea(url, "Ein Zebrastreifen vor der Grundschule Kotten")
    b = idea(url, "Zebrastreifen an der Kottener Grundschule")
    if not chained:
        return a, b, b, a
    c = idea(url, "Bitte einen Überweg an der Schule in Kotten")
    d = idea(url, "Überweg Grundschule Kotten")
    assert mark(url, c, b) == mark(url, d, a) == "marked"
    return a, b, c, d


def links(url: str) -> dict[str, str | None]:
    def read(session):
        rows = session.scalars(select(Suggestion)).all()
        by_id = {s.id: s.reference for s in rows}
        return {s.reference: by_id.get(s.duplicate_of_id) for s in rows}

    return in_transaction(url, read)


def mark(url: str, duplicate: str, original: str) -> str:
    try:
        in_transaction(url, lambda s: review.mark_duplicate(s, duplicate, original,
                                                            actor="ben"))  # fmt: skip
    except review.ReviewError as refused:
        return str(refused)
    return "marked"


@pytest.mark.parametrize("chained", [False, True])
def test_opposite_marks_one_after_the_other_make_no_cycle(database_url, chained):
    """Ben's mark starts while Anna's transaction is open: A -> B -> A would
    be a cycle. It was no problem before either: Anna's write checks the
    foreign key to B with a KEY SHARE lock, which Ben's FOR UPDATE on B waits
    for; he then reads A as Anna left it."""
    url = database_url
    a, b, anna_names, ben_names = pair(url, chained)
    anna = Session(get_engine(url), future=True)
    with ThreadPoolExecutor(1) as pool:
        with anna, anna.begin():
            review.mark_duplicate(anna, a, anna_names, actor="anna")
            ben = pool.submit(mark, url, b, ben_names)
            threading.Event().wait(HOLD_SECONDS)
        outcome = ben.result(timeout=30)
    found = links(url)
    assert found[a] == b and found[b] is None
    assert "Duplikat" in outcome


@pytest.mark.parametrize("chained", [False, True])
def test_opposite_marks_at_the_same_moment_end_in_one_mark(
    database_url, chained, monkeypatch
):
    """Both read the other as an original before either writes. Each then
    waited for the row the other had locked: PostgreSQL broke the deadlock by
    failing one click with a database error. Now one is marked, and the other
    is refused in German; never a cycle."""
    url = database_url
    a, b, anna_names, ben_names = pair(url, chained)
    arrived = {name: threading.Event() for name in ("anna", "ben")}
    move = supports.move_to_original

    def both_have_read(session, duplicate, original):
        """Just before the first write: wait (a while) for the other click."""
        me = "anna" if duplicate.reference == a else "ben"
        arrived[me].set()
        arrived["ben" if me == "anna" else "anna"].wait(HOLD_SECONDS)
        return move(session, duplicate, original)

    monkeypatch.setattr(supports, "move_to_original", both_have_read)
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(
            pool.map(lambda job: mark(url, *job), [(a, anna_names), (b, ben_names)])
        )
    found = links(url)
    assert not (found[a] == b and found[b] == a), "cycle"
    assert sorted(o == "marked" for o in outcomes) == [False, True], outcomes
    assert all(o == "marked" or "Duplikat" in o or "geändert" in o for o in outcomes)
