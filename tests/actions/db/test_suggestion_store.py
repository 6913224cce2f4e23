import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from actions.db import suggestions as store
from actions.db.models import Notification, StatusChange, Suggestion, utcnow
from core.places import Position
from core.settings import PROJECT_ROOT

REFERENCE = re.compile(r"^V-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def new(run="run-1", sender="sender-a", text="Mehr Bänke im Stadtpark, bitte", **extra):
    return store.NewSuggestion(form_run_id=run, channel="rest", sender_key=sender,
                               text=text, topic="Beteiligung", **extra)  # fmt: skip


def count(session, model):
    return session.scalar(select(func.count(model.id)))


def test_reference_format_and_alphabet():
    references = {store.new_reference() for _ in range(500)}
    assert all(REFERENCE.match(r) for r in references)
    assert len(references) == 500


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Stand von V-7KQ2-M9XD?", "V-7KQ2-M9XD"),
        ("v-7kq2-m9xd", "V-7KQ2-M9XD"),
        ("V7KQ2M9XD", "V-7KQ2-M9XD"),
        ("V-7KQ2-M9XO", "V-7KQ2-M9X0"),  # Crockford: O reads as 0
        ("V-1IL1-0000", "V-1111-0000"),
        ("V-UUUU-0000", None),  # U is not in the alphabet
        ("keine Nummer", None),
        ("", None),
        # Issue 13: the word itself was read as V-0RSC-H1AG.
        ("Wie steht es um meinen Vorschlag?", None),
        ("Vorschlag V-7KQ2-M9XD", "V-7KQ2-M9XD"),
        ("V 7KQ2 M9XD", "V-7KQ2-M9XD"),
        ("V–7KQ2–M9XD", "V-7KQ2-M9XD"),  # en dashes from a phone keyboard
        ("V-ABCD-EFGH", "V-ABCD-EFGH"),  # written with its dashes: no digit needed
        ("VABCDEFGH", None),
        ("v-abcd efgh", None),
    ],
)
def test_normalize_reference(text, expected):
    assert store.normalize_reference(text) == expected


def test_new_references_always_hold_a_digit():
    """So that one typed without dashes is still recognised."""
    assert all(any(c.isdigit() for c in store.new_reference()) for _ in range(2000))


def words_of_the_project() -> set[str]:
    sources = [PROJECT_ROOT / "domain.yml", *PROJECT_ROOT.glob("data/**/*.yml"),
               *PROJECT_ROOT.glob("data/**/*.md"), PROJECT_ROOT / "tests/nlu/test_set.yml"]  # fmt: skip
    text = "\n".join(path.read_text(encoding="utf-8") for path in sources)
    return set(re.findall(r"\w+", text))


def test_no_word_of_the_training_data_or_content_is_a_reference():
    words = words_of_the_project()
    assert len(words) > 2000
    assert [w for w in words if store.normalize_reference(w)] == []


def test_fingerprint_ignores_case_spacing_and_punctuation():
    assert store.fingerprint("Mehr Bänke, im Park!") == store.fingerprint(
        "mehr  bänke im park"
    )
    assert store.fingerprint("Mehr Bänke") != store.fingerprint("Weniger Bänke")


def test_create_stores_with_history(session):
    with session.begin():
        suggestion, created = store.create(session, new(), daily_limit=5)
    assert created and REFERENCE.match(suggestion.reference)
    assert suggestion.status == "eingegangen"
    assert [(c.from_status, c.to_status) for c in suggestion.history] == [
        (None, "eingegangen")
    ]


def test_same_form_run_twice_is_one_row(session):
    with session.begin():
        first, created_first = store.create(session, new(), daily_limit=5)
    with session.begin():
        second, created_second = store.create(session, new(), daily_limit=5)
    assert (created_first, created_second) == (True, False)
    assert first.reference == second.reference
    assert count(session, Suggestion) == 1


def test_reference_collision_is_retried(session, monkeypatch):
    with session.begin():
        taken, _ = store.create(session, new(), daily_limit=5)
    fresh = iter([taken.reference, taken.reference, "V-ZZZZ-ZZZZ"])
    monkeypatch.setattr(store, "new_reference", lambda: next(fresh))
    with session.begin():
        other, created = store.create(
            session, new("run-2", text="Ganz andere Idee hier"), daily_limit=5
        )
    assert created and other.reference == "V-ZZZZ-ZZZZ"
    assert count(session, Suggestion) == 2


def test_daily_limit(session):
    with session.begin():
        for i in range(3):
            store.create(
                session,
                new(f"run-{i}", text=f"Idee Nummer {i} für die Stadt"),
                daily_limit=3,
            )
    with pytest.raises(store.SuggestionRefused) as refused, session.begin():
        store.create(
            session, new("run-x", text="Noch eine weitere Idee"), daily_limit=3
        )
    assert refused.value.reason == "daily_limit"
    # Another sender is not affected.
    with session.begin():
        store.create(session, new("run-y", sender="sender-b"), daily_limit=3)


def test_same_text_twice_from_one_sender(session):
    with session.begin():
        first, _ = store.create(session, new(), daily_limit=5)
    with pytest.raises(store.SuggestionRefused) as refused, session.begin():
        store.create(
            session, new("run-2", text="mehr bänke im  Stadtpark bitte!"), daily_limit=5
        )
    assert refused.value.reason == "duplicate_text"
    assert refused.value.existing.reference == first.reference


def make(session, **extra):
    with session.begin():
        suggestion, _ = store.create(session, new(**extra), daily_limit=5)
    return suggestion


def test_status_change_records_history_and_queues_news(session):
    suggestion = make(session, reply_to="chat-42")
    with session.begin():
        store.change_status(session, suggestion, "in_pruefung", actor="anna")
        store.change_status(session, suggestion, "angenommen", actor="anna",
                            public_note="Wir stellen im Frühjahr Bänke auf.")  # fmt: skip
    assert [c.to_status for c in suggestion.history] == [
        "eingegangen",
        "in_pruefung",
        "angenommen",
    ]
    assert suggestion.history[-1].changed_by == "anna"
    outbox = session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [n.recipient for n in outbox] == ["chat-42", "chat-42"]
    assert all(
        n.sent_at is None and n.attempts == 0 and n.channel == "rest" for n in outbox
    )
    assert suggestion.reference in outbox[-1].text
    assert "„angenommen“" in outbox[-1].text
    assert "Wir stellen im Frühjahr Bänke auf." in outbox[-1].text
    assert store.latest_public_note(suggestion) == "Wir stellen im Frühjahr Bänke auf."


def test_news_come_in_the_language_the_suggestion_was_handed_in(session):
    """Issue 34: a suggestion made in English hears back in English."""
    suggestion = make(session, reply_to="chat-43", language="en")
    with session.begin():
        store.change_status(session, suggestion, "angenommen", actor="anna",
                            public_note="We will put up benches in spring.")  # fmt: skip
    (news,) = session.scalars(select(Notification)).all()
    assert news.text == (
        f"News about your suggestion {suggestion.reference}: it is now “accepted”.\n"
        "The city's reply: We will put up benches in spring."
    )
    assert suggestion.language == "en"


def test_no_news_without_consent(session):
    suggestion = make(session)
    with session.begin():
        store.change_status(session, suggestion, "in_pruefung", actor="anna")
    assert count(session, Notification) == 0


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (["umgesetzt"], "eingegangen cannot become umgesetzt"),
        (["zurueckgezogen", "in_pruefung"], "zurueckgezogen cannot become in_pruefung"),
        (["abgelehnt"], "needs a public note"),
        (["erledigt"], "unknown status"),
    ],
)
def test_forbidden_transitions(session, path, message):
    suggestion = make(session)
    with pytest.raises(store.InvalidTransition, match=message), session.begin():
        for status in path:
            store.change_status(session, suggestion, status, actor="anna")


def test_closing_and_reopening(session):
    suggestion = make(session)
    with session.begin():
        store.change_status(session, suggestion, "abgelehnt", actor="anna",
                            public_note="Das ist Landessache.")  # fmt: skip
        assert suggestion.closed_at is not None
        store.change_status(session, suggestion, "in_pruefung", actor="ben")
        assert suggestion.closed_at is None


def test_delete_for_sender_leaves_others(session):
    mine = make(session, reply_to="chat-1")
    make(session, run="run-2", sender="sender-b", reply_to="chat-2")
    with session.begin():
        store.change_status(session, mine, "in_pruefung", actor="anna")
    with session.begin():
        assert store.delete_for_sender(session, "sender-a") == 1
    assert session.scalars(select(Suggestion.sender_key)).all() == ["sender-b"]
    assert count(session, StatusChange) == 1  # only the other sender's history
    assert count(session, Notification) == 0


def test_purge_contact_data_of_long_closed_suggestions(session):
    old = make(session, run="run-old", reply_to="chat-1", email="a@example.org",
               email_consent_at=utcnow(), position=Position(49.4443, 7.7689),
               district="Innenstadt")  # fmt: skip
    recent = make(
        session, run="run-new", text="Eine zweite Idee von mir", reply_to="chat-1"
    )
    still_open = make(
        session, run="run-open", text="Eine dritte offene Idee", reply_to="chat-1"
    )
    with session.begin():
        store.change_status(session, old, "zurueckgezogen", actor="buerger",
                            now=utcnow() - timedelta(days=200))  # fmt: skip
        store.change_status(session, recent, "zurueckgezogen", actor="buerger")
    with session.begin():
        purged = store.purge_contact_data(
            session, closed_before=utcnow() - timedelta(days=180)
        )
    assert purged == 1
    session.expire_all()
    assert (old.email, old.reply_to, old.email_consent_at) == (None, None, None)
    assert (old.latitude, old.longitude, old.district) == (None, None, "Innenstadt")
    assert recent.reply_to == "chat-1" and still_open.reply_to == "chat-1"
    assert old.text  # the idea itself stays
