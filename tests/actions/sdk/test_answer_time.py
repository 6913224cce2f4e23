"""When to expect an answer (issue 36.4): the sentence at submission and in
the status answer, in the three languages."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.db import suggestions as store
from actions.db.models import utcnow
from actions.db.session import get_engine
from actions.sdk.suggestion_actions import (
    ActionSubmitSuggestion,
    ActionSuggestionStatus,
)
from core.protocol import ENGLISH, LANGUAGE_SLOT, LEICHTE_SPRACHE
from tests.actions.sdk.test_suggestion_actions import FILLED, reference_in
from tests.helpers import entity, rendered, responses

pytestmark = pytest.mark.usefixtures("settings_env")

TOPIC = FILLED["suggestion_topic"]  # Umwelt und Energie
DAY = timedelta(days=1)
IN_THREE_DAYS = f"Vorschläge zum Thema {TOPIC} beantwortet das Team meist innerhalb von 3 Tagen."  # fmt: skip


def answered_earlier(database_url, topic: str, days: list[float]) -> None:
    """Suggestions of others, handed in 20 days ago, each answered after `days`."""
    now = utcnow()
    with Session(get_engine(database_url), future=True) as session, session.begin():
        for after in days:
            new = store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="web",
                                      sender_key=uuid.uuid4().hex, topic=topic,
                                      text=f"Idee {uuid.uuid4().hex}")  # fmt: skip
            suggestion, _ = store.create(
                session, new, daily_limit=5, now=now - 20 * DAY
            )
            store.change_status(session, suggestion, "in_pruefung", actor="anna",
                                public_note="Danke!", now=now - (20 - after) * DAY)  # fmt: skip


def reply(database_url, reference: str) -> None:
    with Session(get_engine(database_url), future=True) as session, session.begin():
        store.change_status(session, store.by_reference(session, reference),
                            "in_pruefung", actor="anna", public_note="Wir prüfen das.")  # fmt: skip


async def submit(make_tracker, language=None) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    slots = {**FILLED, LANGUAGE_SLOT: language}
    tracker = make_tracker("/affirm", "affirm", slots=slots, sender_id="citizen-1")
    await ActionSubmitSuggestion().run(dispatcher, tracker, {})
    return dispatcher


async def status(
    make_tracker, reference: str, sender="citizen-1", language=None
) -> str:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(reference, "ask_suggestion_status",
                           [entity("reference", reference)], sender_id=sender,
                           slots={LANGUAGE_SLOT: language})  # fmt: skip
    await ActionSuggestionStatus().run(dispatcher, tracker, {})
    return dispatcher.messages[-1]["text"]


async def test_the_topics_usual_time_at_submission_and_until_the_first_reply(
    make_tracker, database_url
):
    answered_earlier(database_url, TOPIC, [1, 2, 2.5, 4, 9])  # median 2.5: 3 days
    said = await submit(make_tracker)
    assert responses(said) == ["utter_suggestion_saved"]
    saved, expected = (rendered(m) for m in said.messages)
    assert expected["text"] == IN_THREE_DAYS
    # The status button sits under the last message, where the widget shows it.
    assert saved["buttons"] == [] and len(expected["buttons"]) == 1
    reference = reference_in(said)

    assert (await status(make_tracker, reference)).endswith(f"\n{IN_THREE_DAYS}")
    assert "meist" not in await status(make_tracker, reference, sender="someone-else")
    reply(database_url, reference)
    answer = await status(make_tracker, reference)
    assert "Wir prüfen das." in answer and "meist" not in answer


async def test_the_teams_time_where_the_topic_has_too_few_cases(
    make_tracker, database_url
):
    answered_earlier(database_url, TOPIC, [0.2, 0.5, 0.5, 0.9])
    answered_earlier(database_url, "Mobilität", [3])
    said = await submit(make_tracker)
    assert said.messages[-1]["text"] == (
        "Das Team antwortet meist innerhalb eines Tages."
    )


async def test_no_sentence_with_fewer_than_five_cases(make_tracker, database_url):
    answered_earlier(database_url, TOPIC, [1, 2, 3, 4])
    said = await submit(make_tracker)
    assert responses(said) == ["utter_suggestion_saved"] and len(said.messages) == 1
    assert len(said.messages[0]["buttons"]) == 1
    answer = await status(make_tracker, reference_in(said))
    assert "meist" not in answer and answer.endswith("Stand: eingegangen")


@pytest.mark.parametrize(
    "language, sentence",
    [
        (LEICHTE_SPRACHE, f"Ihr Vorschlag hat das Thema {TOPIC}.\n"
                          "Bei diesem Thema antwortet das Team meistens in 3 Tagen "
                          "oder schneller."),
        (ENGLISH, "The team usually answers suggestions on Environment and Energy "
                  "within 3 days."),
    ],
)  # fmt: skip
async def test_in_leichte_sprache_and_english(make_tracker, database_url, language, sentence):  # fmt: skip
    answered_earlier(database_url, TOPIC, [1, 2, 2.5, 4, 9])
    said = await submit(make_tracker, language)
    assert said.messages[-1]["text"] == sentence
    answer = await status(make_tracker, reference_in(said), language=language)
    assert answer.endswith(f"\n{sentence}")
