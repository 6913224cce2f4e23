import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.db.models import Suggestion
from actions.db.session import get_engine
from actions.sdk.base import sender_key
from actions.sdk.deletion_actions import ActionDeleteMyData
from actions.sdk.suggestion_actions import (
    ActionOfferIdea,
    ActionStartSuggestion,
    ActionSubmitSuggestion,
    ActionSuggestionStatus,
)
from tests.helpers import entity, responses, texts

pytestmark = pytest.mark.usefixtures("settings_env")

FILLED = {
    "suggestion_run": "run-abc",
    "suggestion_text": "Trinkbrunnen in der Fußgängerzone",
    "suggestion_topic": "Umwelt und Energie",
    "suggestion_location": "Innenstadt",
    "suggestion_notify": "chat",
    "suggestion_email": None,
    "suggestion_confirmed": True,
}


def rows(database_url):
    with Session(get_engine(database_url), future=True) as session:
        return session.scalars(select(Suggestion)).all()


async def submit(dispatcher, make_tracker, sender="citizen-1", **slots):
    tracker = make_tracker(
        "/affirm", "affirm", slots={**FILLED, **slots}, sender_id=sender
    )
    return await ActionSubmitSuggestion().run(dispatcher, tracker, {})


def reference_in(dispatcher):
    return re.search(r"V-[0-9A-Z]{4}-[0-9A-Z]{4}", str(dispatcher.messages)).group(0)


async def test_submit_stores_before_showing_the_reference(
    dispatcher, make_tracker, database_url
):
    events = await submit(dispatcher, make_tracker)
    stored = rows(database_url)
    assert len(stored) == 1
    assert responses(dispatcher) == ["utter_suggestion_saved"]
    assert reference_in(dispatcher) == stored[0].reference
    assert stored[0].sender_key == sender_key("citizen-1") != "citizen-1"
    assert stored[0].reply_to == "citizen-1" and stored[0].email is None
    assert {
        "event": "slot",
        "timestamp": None,
        "name": "suggestion_run",
        "value": None,
    } in events


async def test_the_same_confirmation_twice_is_one_row(make_tracker, database_url):
    from rasa_sdk.executor import CollectingDispatcher

    first, second = CollectingDispatcher(), CollectingDispatcher()
    await submit(first, make_tracker)
    await submit(second, make_tracker)
    assert len(rows(database_url)) == 1
    assert reference_in(first) == reference_in(second)


async def test_email_only_with_consent(dispatcher, make_tracker, database_url):
    await submit(dispatcher, make_tracker, suggestion_notify="email",
                 suggestion_email="a@example.org", suggestion_email_consent=False)  # fmt: skip
    await submit(dispatcher, make_tracker, suggestion_run="run-2", suggestion_text="Zweite Idee dazu",
                 suggestion_notify="email", suggestion_email="b@example.org",
                 suggestion_email_consent=True)  # fmt: skip
    stored = {s.text: s for s in rows(database_url)}
    assert stored[FILLED["suggestion_text"]].email is None
    assert stored["Zweite Idee dazu"].email == "b@example.org"
    assert stored["Zweite Idee dazu"].email_consent_at is not None


async def test_a_shared_place_is_stored_with_its_district(
    dispatcher, make_tracker, database_url
):
    position = {"latitude": 49.4443, "longitude": 7.7689, "district": "Innenstadt"}
    await submit(dispatcher, make_tracker, suggestion_location="Stiftsplatz",
                 suggestion_position=position)  # fmt: skip
    (stored,) = rows(database_url)
    assert (stored.location, stored.latitude, stored.longitude, stored.district) == (
        "Stiftsplatz",
        49.4443,
        7.7689,
        "Innenstadt",
    )
    other = "Ein ganz anderer Vorschlag für den Park"
    await submit(dispatcher, make_tracker, suggestion_run="run-2",
                 suggestion_text=other)  # fmt: skip
    typed = next(r for r in rows(database_url) if r.text == other)
    assert (typed.latitude, typed.longitude, typed.district) == (None, None, None)


async def test_public_consent_is_stored_only_on_yes(
    dispatcher, make_tracker, database_url
):
    await submit(dispatcher, make_tracker, suggestion_public=True)
    await submit(dispatcher, make_tracker, suggestion_run="run-2",
                 suggestion_text="Noch ein ganz anderer Vorschlag")  # fmt: skip
    consents = {r.text: r.public_consent_at for r in rows(database_url)}
    assert consents[FILLED["suggestion_text"]] is not None
    assert consents["Noch ein ganz anderer Vorschlag"] is None
    assert all(r.published_at is None for r in rows(database_url))  # staff publish


async def test_not_confirmed_stores_nothing(dispatcher, make_tracker, database_url):
    await submit(dispatcher, make_tracker, suggestion_confirmed=None)
    assert rows(database_url) == []


async def test_daily_limit_at_start(dispatcher, make_tracker, monkeypatch):
    from core.settings import get_settings

    monkeypatch.setenv("SUGGESTIONS_PER_DAY", "1")
    get_settings.cache_clear()
    await submit(dispatcher, make_tracker)
    events = await ActionStartSuggestion().run(
        dispatcher, make_tracker(sender_id="citizen-1"), {})  # fmt: skip
    assert events[-1]["name"] == "suggestion_allowed" and events[-1]["value"] is False
    assert responses(dispatcher)[-1] == "utter_suggestion_daily_limit"
    other = await ActionStartSuggestion().run(
        dispatcher, make_tracker(sender_id="citizen-2"), {}
    )
    assert other[-1]["value"] is True


def slots_set(events) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


IDEA = "Im Stadtpark fehlen Bänke im Schatten, bitte mehr davon aufstellen"


async def test_an_idea_in_plain_words_is_offered_and_kept(dispatcher, make_tracker):
    tracker = make_tracker(
        f"  {IDEA}  ", "share_idea", [entity("topic", "Stadtentwicklung")]
    )
    events = await ActionOfferIdea().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_offer_idea"]
    assert "Möchten Sie sie als Vorschlag einreichen?" in texts(dispatcher)
    assert slots_set(events) == {
        "offered_idea": {"text": IDEA, "topic": "Stadtentwicklung", "location": None}
    }


async def test_yes_to_the_offer_fills_in_what_the_idea_said(dispatcher, make_tracker):
    offered = {"text": IDEA, "topic": "Stadtentwicklung", "location": None}
    tracker = make_tracker(
        "/affirm", "affirm", slots={"offered_idea": offered}, after="action_offer_idea"
    )
    slots = slots_set(await ActionStartSuggestion().run(dispatcher, tracker, {}))
    assert slots["suggestion_text"] == IDEA
    assert slots["suggestion_topic"] == "Stadtentwicklung"
    assert slots["suggestion_location"] is None  # reset, so the form asks for it
    assert slots["offered_idea"] is None and slots["suggestion_allowed"] is True


async def test_an_old_offer_does_not_fill_a_later_form(dispatcher, make_tracker):
    offered = {"text": IDEA, "topic": None, "location": None}
    tracker = make_tracker(
        "Ich möchte einen Vorschlag machen",
        "submit_suggestion",
        slots={"offered_idea": offered},
        after="action_decline_idea",
    )
    slots = slots_set(await ActionStartSuggestion().run(dispatcher, tracker, {}))
    assert slots["suggestion_text"] is None and slots["offered_idea"] is None


async def ask_status(make_tracker, text, sender, reference=None):
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    entities = [entity("reference", reference)] if reference else []
    tracker = make_tracker(text, "ask_suggestion_status", entities, sender_id=sender)
    await ActionSuggestionStatus().run(dispatcher, tracker, {})
    return texts(dispatcher)


async def test_status_text_only_for_its_author(dispatcher, make_tracker):
    await submit(dispatcher, make_tracker)
    reference = reference_in(dispatcher)
    mine = await ask_status(
        make_tracker, f"Stand von {reference}?", "citizen-1", reference
    )
    theirs = await ask_status(
        make_tracker, f"Stand von {reference.lower()}?", "someone-else"
    )
    assert "eingegangen" in mine and FILLED["suggestion_text"] in mine
    assert "eingegangen" in theirs and FILLED["suggestion_text"] not in theirs


async def test_others_asking_the_status_get_no_private_reply(
    dispatcher, make_tracker, database_url
):
    """Issue 30.10: a reference is on the public board, and anyone asking its
    status read the latest answer to its author."""
    from actions.db import suggestions as store

    await submit(dispatcher, make_tracker)
    reference = reference_in(dispatcher)

    def reply(status: str, note: str, **on_board) -> None:
        engine = get_engine(database_url)
        with Session(engine, future=True) as session, session.begin():
            suggestion = store.by_reference(session, reference)
            store.change_status(session, suggestion, status, actor="anna",
                                public_note=note, **on_board)  # fmt: skip

    reply("in_pruefung", "Wir rufen Sie an, Frau Muster.")
    mine = await ask_status(make_tracker, reference, "citizen-1", reference)
    theirs = await ask_status(make_tracker, reference, "someone-else", reference)
    assert "Wir rufen Sie an, Frau Muster." in mine
    assert "Frau Muster" not in theirs and "in Prüfung" in theirs
    reply("angenommen", "Wir stellen eine Bank auf.", public_note_on_board=True)
    theirs = await ask_status(make_tracker, reference, "someone-else", reference)
    assert "Antwort der Stadt: Wir stellen eine Bank auf." in theirs


async def test_unknown_reference_and_own_list(dispatcher, make_tracker):
    unknown = await ask_status(make_tracker, "Stand von V-0000-0000", "citizen-1")
    assert "V-0000-0000 habe ich nicht gefunden" in unknown
    empty = await ask_status(make_tracker, "Meine Vorschläge", "citizen-1")
    assert "noch keinen Vorschlag" in empty
    await submit(dispatcher, make_tracker)
    listed = await ask_status(make_tracker, "Meine Vorschläge", "citizen-1")
    assert listed.startswith("Ihre Vorschläge:") and reference_in(dispatcher) in listed


async def test_the_word_vorschlag_is_no_reference(dispatcher, make_tracker):
    """Issue 13: it answered "Einen Vorschlag mit der Nummer V-0RSC-H1AG ..."."""
    await submit(dispatcher, make_tracker)
    for text in ("Wie steht es um meinen Vorschlag?", "Was ist aus VORSCHLAG geworden"):
        answer = await ask_status(make_tracker, text, "citizen-1")
        assert answer.startswith("Ihre Vorschläge:"), answer


async def test_delete_my_data(dispatcher, make_tracker, database_url):
    await submit(dispatcher, make_tracker)
    await submit(
        dispatcher, make_tracker, sender="citizen-2", suggestion_run="run-other"
    )
    await ActionDeleteMyData().run(dispatcher, make_tracker(sender_id="citizen-1"), {})
    assert "Gelöscht sind: 1 Vorschlag" in texts(dispatcher)
    assert [s.sender_key for s in rows(database_url)] == [sender_key("citizen-2")]


async def test_each_suggestion_deleted_in_the_chat_is_audited_without_its_text(
    dispatcher, make_tracker, database_url
):
    from actions.db.models import AuditEntry

    await submit(dispatcher, make_tracker)
    reference = reference_in(dispatcher)
    await ActionDeleteMyData().run(dispatcher, make_tracker(sender_id="citizen-1"), {})
    with Session(get_engine(database_url), future=True) as session:
        [entry] = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "suggestion_deleted_by_citizen"
            )
        ).all()
    assert (entry.actor, entry.object_id) == ("citizen", reference)
    assert FILLED["suggestion_text"] not in str(vars(entry))
    assert "published" in str(entry.before)


async def test_clearing_the_conversation_keeps_what_was_handed_in(
    dispatcher, make_tracker, database_url
):
    from actions.db import personal_data
    from actions.sdk.deletion_actions import ActionClearConversation

    await submit(dispatcher, make_tracker)
    reference = reference_in(dispatcher)
    key = sender_key("citizen-1")
    with Session(get_engine(database_url), future=True) as session:
        before = personal_data.left_by(session, key)
    assert [s.reference for s in before.suggestions] == [reference]
    assert before.suggestions[0].status == "eingegangen"

    dispatcher.messages.clear()
    await ActionClearConversation().run(
        dispatcher, make_tracker(sender_id="citizen-1"), {}
    )
    assert responses(dispatcher)[0] == "utter_conversation_cleared"
    [kept] = rows(database_url)
    assert kept.reference == reference and kept.reply_to is None  # no chat to reach
