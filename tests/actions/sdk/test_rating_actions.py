"""👍/👎 under answers with content: offered outside forms only, stored with a
pseudonym instead of the chat, one optional comment after a 👎, deleted with
the citizen's data of every session."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk import Tracker
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from actions.db import ratings
from actions.db.models import AnswerRating
from actions.db.session import get_engine
from actions.sdk.base import sender_key
from actions.sdk.deletion_actions import ActionDeleteMyData
from actions.sdk.event_actions import ActionListEvents
from actions.sdk.rating_actions import (
    NO_COMMENT,
    ActionAnswerFaq,
    ActionStoreRating,
    ActionStoreRatingComment,
    ValidateRatingCommentForm,
)
from actions.sdk.rating_offers import OFFERS_SLOT, offer_ids
from tests.helpers import entity, rating_payloads, responses, slot_events

pytestmark = pytest.mark.usefixtures("seeded")

OFFER = {"id": "a1b2c3d4e5f60718", "question": "Wann ist der nächste Termin?",
         "intent": "ask_events", "response": "action_list_events"}  # fmt: skip
OTHER = {**OFFER, "id": "ffeeddccbbaa0099", "question": "Was ist KL MitWirkung?"}
THEIRS = {**OFFER, "id": "1122334455667788"}


def stored(database_url) -> list[AnswerRating]:
    with Session(get_engine(database_url), future=True) as session:
        return list(session.scalars(select(AnswerRating).order_by(AnswerRating.id)))


def rate_tracker(make_tracker, rating=None, rating_id=None, text=None, **kw):
    found = [entity("rating", rating)] if rating else []
    found += [entity("rating_id", rating_id)] if rating_id else []
    slots = {OFFERS_SLOT: [OTHER, OFFER], **kw.pop("slots", {})}
    text = text or f'/rate{{"rating": "{rating}", "rating_id": "{rating_id}"}}'
    return make_tracker(text, "rate", found, slots=slots, **kw)


async def test_a_thumbs_up_is_stored_with_a_pseudonym_not_the_chat(
    dispatcher, make_tracker, database_url
):
    tracker = rate_tracker(make_tracker, "up", OFFER["id"])
    events = await ActionStoreRating().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_rating_thanks"]
    assert slot_events(events) == {"rating_comment_wanted": False}
    [row] = stored(database_url)
    assert (row.offer_id, row.question, row.intent, row.response, row.channel,
            row.rating) == (OFFER["id"], OFFER["question"], "ask_events",
                            "action_list_events", "rest", "up")  # fmt: skip
    assert row.sender_key == sender_key(tracker.sender_id) != tracker.sender_id
    columns = {c.name for c in inspect(AnswerRating).columns}
    assert not {"sender_id", "reply_to", "recipient"} & columns


async def test_a_thumbs_down_asks_once_and_keeps_the_comment(
    dispatcher, make_tracker, database_url
):
    tracker = rate_tracker(make_tracker, "down", OFFER["id"])
    events = await ActionStoreRating().run(dispatcher, tracker, {})
    assert slot_events(events) == {
        "rating_comment_wanted": True,
        "rating_comment_for": OFFER["id"],
    }
    assert responses(dispatcher) == []  # the form asks utter_ask_rating_comment

    after = make_tracker("…", "nlu_fallback", slots={
        "rating_comment": "  Mir fehlte,   wo der Termin stattfindet. ",
        "rating_comment_for": OFFER["id"]})  # fmt: skip
    done = await ActionStoreRatingComment().run(dispatcher, after, {})
    assert responses(dispatcher)[-1] == "utter_rating_comment_thanks"
    assert slot_events(done)["rating_comment_for"] is None
    [row] = stored(database_url)
    assert (row.rating, row.comment) == (
        "down",
        "Mir fehlte, wo der Termin stattfindet.",
    )


async def test_rating_again_changes_the_rating_and_drops_the_comment(
    dispatcher, make_tracker, database_url
):
    await ActionStoreRating().run(
        dispatcher, rate_tracker(make_tracker, "down", OFFER["id"]), {}
    )
    with Session(get_engine(database_url), future=True) as session, session.begin():
        assert ratings.add_comment(session, OFFER["id"], "zu knapp")
    await ActionStoreRating().run(
        dispatcher, rate_tracker(make_tracker, "up", OFFER["id"]), {}
    )
    [row] = stored(database_url)
    assert (row.rating, row.comment) == ("up", None)


@pytest.mark.parametrize(
    "text, expected",
    [("Die Antwort war nicht hilfreich", "down"), ("👎", "down"),
     ("Gute Antwort, danke", "up"), ("👍", "up")],
)  # fmt: skip
async def test_a_typed_rating_rates_the_latest_answer(
    dispatcher, make_tracker, database_url, text, expected
):
    await ActionStoreRating().run(dispatcher, rate_tracker(make_tracker, text=text), {})
    [row] = stored(database_url)
    assert (row.offer_id, row.rating) == (OFFER["id"], expected)


@pytest.mark.parametrize(
    "rating_id", ["0000000000000000", "x" * 5000, "' OR 1=1 --"],
    ids=["unknown", "huge", "quote"],
)  # fmt: skip
async def test_a_forged_or_old_offer_is_not_stored(
    dispatcher, make_tracker, database_url, rating_id
):
    tracker = rate_tracker(make_tracker, "up", rating_id)
    await ActionStoreRating().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_rating_nothing_to_rate"]
    assert stored(database_url) == []


async def test_a_payload_with_a_made_up_rating_is_not_stored(
    dispatcher, make_tracker, database_url
):
    tracker = rate_tracker(make_tracker, "sideways", OFFER["id"])
    await ActionStoreRating().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_rating_nothing_to_rate"]
    assert stored(database_url) == []


async def test_nothing_to_rate_without_an_answer(
    dispatcher, make_tracker, database_url
):
    tracker = make_tracker("Die Antwort war hilfreich", "rate")
    events = await ActionStoreRating().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_rating_nothing_to_rate"]
    assert slot_events(events) == {"rating_comment_wanted": False}
    assert stored(database_url) == []


async def test_a_skipped_comment_stores_nothing(dispatcher, make_tracker, database_url):
    await ActionStoreRating().run(
        dispatcher, rate_tracker(make_tracker, "down", OFFER["id"]), {}
    )
    after = make_tracker(
        "/deny",
        "deny",
        slots={"rating_comment": NO_COMMENT, "rating_comment_for": OFFER["id"]},
    )
    await ActionStoreRatingComment().run(dispatcher, after, {})
    assert responses(dispatcher)[-1] == "utter_rating_comment_skipped"
    assert stored(database_url)[0].comment is None


async def test_content_answers_are_rateable_but_not_inside_a_form(
    dispatcher, make_tracker, clock
):
    outside = await ActionListEvents().run(
        dispatcher, make_tracker("Welche Termine gibt es?", "ask_events"), {}
    )
    assert len(rating_payloads(dispatcher)) == 2
    assert OFFERS_SLOT in slot_events(outside)

    dispatcher.messages.clear()
    inside = await ActionListEvents().run(
        dispatcher,
        make_tracker("Welche Termine gibt es?", "ask_events",
                     active_loop="suggestion_form"),
        {},
    )  # fmt: skip
    assert dispatcher.messages and rating_payloads(dispatcher) == []
    assert OFFERS_SLOT not in slot_events(inside)


async def test_the_faq_answer_carries_the_rating(dispatcher, make_tracker):
    tracker = make_tracker("Gibt es freies WLAN?", "faq")
    tracker.latest_message["response_selector"] = {
        "faq": {"response": {"utter_action": "utter_faq/wlan"}}
    }
    domain = {"responses": {"utter_faq/wlan": [{"text": "…"}]}}
    events = await ActionAnswerFaq().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_faq/wlan"]
    assert len(dispatcher.messages[0]["buttons"]) == 2
    [offered] = slot_events(events)[OFFERS_SLOT]
    assert offered["response"] == "utter_faq/wlan"

    dispatcher.messages.clear()
    tracker.latest_message["response_selector"] = {}
    assert await ActionAnswerFaq().run(dispatcher, tracker, domain) == []
    assert responses(dispatcher) == ["utter_fallback"]


def test_only_the_last_offers_are_kept_but_deletion_finds_all(make_tracker):
    from actions.sdk.rating_offers import KEEP_OFFERS, offer, remember

    tracker = make_tracker("Welche Projekte gibt es?", "ask_projects")
    for _ in range(KEEP_OFFERS + 2):
        [event] = remember(tracker, offer(tracker, "action_list_projects"))
        tracker.slots[OFFERS_SLOT] = event["value"]
        tracker.events.append(event)
    assert len(tracker.slots[OFFERS_SLOT]) == KEEP_OFFERS
    assert len(offer_ids(tracker)) == KEEP_OFFERS + 2


async def test_deletion_removes_the_ratings_of_this_conversation_only(
    dispatcher, make_tracker, database_url
):
    mine = rate_tracker(make_tracker, "down", OFFER["id"], sender_id="web:me")
    await ActionStoreRating().run(dispatcher, mine, {})
    theirs = make_tracker(
        '/rate{"rating": "up"}',
        "rate",
        [entity("rating", "up")],
        slots={OFFERS_SLOT: [THEIRS]},
        sender_id="web:them",
    )
    await ActionStoreRating().run(dispatcher, theirs, {})
    assert len(stored(database_url)) == 2

    confirm = Tracker(
        sender_id="web:me", slots=mine.slots, latest_message={"text": "/affirm"},
        events=[{"event": "slot", "name": OFFERS_SLOT, "value": [OFFER]}],
        paused=False, followup_action=None, active_loop={},
        latest_action_name="action_listen",
    )  # fmt: skip
    await ActionDeleteMyData().run(dispatcher, confirm, {})
    assert [r.offer_id for r in stored(database_url)] == [THEIRS["id"]]


async def test_deletion_finds_the_ratings_of_earlier_sessions(
    dispatcher, make_tracker, database_url
):
    """Issue 30: the action server sees only the latest session of Rasa's
    tracker; a rating given an hour ago left no offer in it."""
    earlier = rate_tracker(make_tracker, "down", OFFER["id"], sender_id="web:me")
    await ActionStoreRating().run(dispatcher, earlier, {})
    new_session = make_tracker("Meine Daten löschen", "affirm", sender_id="web:me")
    await ActionDeleteMyData().run(dispatcher, new_session, {})
    assert stored(database_url) == []


def test_retention_keeps_the_rating_but_not_the_words(database_url):
    old = datetime.now(timezone.utc) - timedelta(days=400)
    with Session(get_engine(database_url), future=True) as session, session.begin():
        ratings.rate(session, ratings.NewRating(
            OFFER["id"], OFFER["question"], "ask_events", "action_list_events",
            "telegram", "down", sender_key="k" * 64))  # fmt: skip
        ratings.add_comment(session, OFFER["id"], "zu knapp")
        session.execute(AnswerRating.__table__.update().values(created_at=old))
        ratings.rate(session, ratings.NewRating(
            OTHER["id"], OTHER["question"], "ask_events", "action_list_events",
            "web", "up"))  # fmt: skip
        assert ratings.purge_words_before(session, old + timedelta(days=1)) == 1
    old_row, new_row = stored(database_url)
    assert (old_row.rating, old_row.question, old_row.comment,
            old_row.sender_key) == ("down", None, None, None)  # fmt: skip
    assert new_row.question == OTHER["question"]


@pytest.mark.parametrize(
    "text, intent, expected",
    [
        ("Die Telefonnummer fehlte mir", "ask_contact", "Die Telefonnummer fehlte mir"),
        ("zu allgemein", "nlu_fallback", "zu allgemein"),
        ("Die Antwort war unvollständig", "rate", "Die Antwort war unvollständig"),
        ("Wie erreiche ich das Büro?", "ask_contact", None),
        ("welche termine gibt es", "ask_events", None),
        ("Bitte löschen Sie meine Daten", "request_data_deletion", None),
        ("/ask_events", "ask_events", None),
        ('/rate{"rating": "up"}', "rate", None),
        ('/inform{"choice": "skip"}', "inform", NO_COMMENT),
        ("", "attach_photo", NO_COMMENT),
        ("nein danke", "deny", None),
        (
            "Nein, die Öffnungszeiten fehlten",
            "deny",
            "Nein, die Öffnungszeiten fehlten",
        ),
        ("Was speichert ihr über mich?", "ask_privacy", None),
    ],
)
async def test_the_comment_is_any_words_but_a_question_or_command_is_answered(
    dispatcher, make_tracker, text, intent, expected
):
    tracker = make_tracker(text, intent, active_loop="rating_comment_form",
                           slots={"requested_slot": "rating_comment"})  # fmt: skip
    extracted = await ValidateRatingCommentForm().extract_rating_comment(
        dispatcher, tracker, {}
    )
    assert extracted == ({} if expected is None else {"rating_comment": expected})


@pytest.mark.parametrize(
    "text, intent, confidence, expected",
    [
        # Issue 32: indirect questions (verb at the end) say what was missing.
        ("Wer das Projekt betreut", "ask_project_info", 0.48, "Wer das Projekt betreut"),
        ("wer das projekt betreut", "ask_project_info", 0.48, "wer das projekt betreut"),
        ("wann die Werkstatt ist", "out_of_scope", 0.75, "wann die Werkstatt ist"),
        ("wo man sich anmeldet", "out_of_scope", 0.86, "wo man sich anmeldet"),
        ("wie viel es kostet", "out_of_scope", 0.90, "wie viel es kostet"),
        ("Wie lange es dauert", "ask_project_info", 0.6, "Wie lange es dauert"),
        ("welche Unterlagen ich brauche", "out_of_scope", 0.8, "welche Unterlagen ich brauche"),
        ("Was die Stadt damit vorhat", "ask_projects", 0.7, "Was die Stadt damit vorhat"),
        ("Wann es losgeht", "ask_events", 0.8, "Wann es losgeht"),
        # Direct questions are answered; the step ends.
        ("Wer betreut das Projekt?", "ask_project_info", 0.6, None),
        ("wer betreut das projekt", "ask_project_info", 0.6, None),
        ("wann ist die nächste Werkstatt", "ask_events", 0.72, None),
        ("Wie viel kostet das?", "ask_project_info", 0.9, None),
        ("Welche Projekte gibt es", "ask_projects", 0.9, None),
        ("Wo verlängere ich meinen Personalausweis?", "out_of_scope", 0.9, None),
        # Another matter the classifier is unsure of, or no question: the comment.
        ("Wo gibt es das, stand da nicht", "out_of_scope", 0.5,
         "Wo gibt es das, stand da nicht"),
        ("Die Öffnungszeiten vom Bürgerbüro", "out_of_scope", 0.9,
         "Die Öffnungszeiten vom Bürgerbüro"),
    ],
)  # fmt: skip
async def test_an_indirect_question_is_the_comment_a_direct_one_is_answered(
    dispatcher, make_tracker, text, intent, confidence, expected
):
    tracker = make_tracker(text, intent, active_loop="rating_comment_form",
                           slots={"requested_slot": "rating_comment"})  # fmt: skip
    tracker.latest_message["intent"]["confidence"] = confidence
    extracted = await ValidateRatingCommentForm().extract_rating_comment(
        dispatcher, tracker, {}
    )
    assert extracted == ({} if expected is None else {"rating_comment": expected})
