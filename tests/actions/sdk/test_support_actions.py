"""Support in the chat: the similar step of the form, and "Ich unterstütze V-…"."""

from __future__ import annotations

import uuid

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.db import review, supports
from actions.db import suggestions as store
from actions.db.models import Support, utcnow
from actions.db.session import get_engine
from actions.sdk.base import sender_key
from actions.sdk.suggestion_actions import ActionSubmitSuggestion
from actions.sdk.suggestion_form import (
    ActionAskSuggestionSimilarChoice,
    ValidateSuggestionForm,
)
from actions.sdk.support_actions import ActionSupportSuggestion
from core.settings import PROJECT_ROOT
from tests.helpers import entity, responses

pytestmark = pytest.mark.usefixtures("settings_env")

FORM = ValidateSuggestionForm()
DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
IDEA = "An der Grundschule Kotten braucht es einen Zebrastreifen"


def add(database_url, text, *, sender="author", publish=True, district="Kotten"):
    new = store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="web",
                              sender_key=sender, text=text, topic="Mobilität",
                              district=district, public_consent_at=utcnow())  # fmt: skip
    with Session(get_engine(database_url), future=True) as session, session.begin():
        suggestion, _ = store.create(session, new, daily_limit=5)
        if publish:
            review.publish(session, suggestion.reference, "Zebrastreifen an der Kottenschule",
                           actor="anna")  # fmt: skip
        return suggestion.reference, suggestion.id


def count(database_url, suggestion_id):
    with Session(get_engine(database_url), future=True) as session:
        return supports.count(session, suggestion_id)


def at_place_step(make_tracker, text="Kotten", **slots):
    return make_tracker(text, "inform", [entity("district", "Kotten")],
                        active_loop="suggestion_form",
                        slots={"requested_slot": "suggestion_location",
                               "suggestion_text": IDEA, "suggestion_topic": "Mobilität",
                               **slots})  # fmt: skip


async def test_a_similar_published_suggestion_is_offered_and_backed(
    dispatcher, make_tracker, database_url
):
    reference, suggestion_id = add(database_url, "Vor der Grundschule in Kotten fehlt "
                                   "ein Zebrastreifen")  # fmt: skip
    add(database_url, "Zebrastreifen an der Grundschule Kotten bitte", publish=False)
    place = await FORM.validate_suggestion_location(
        "Kotten", dispatcher, at_place_step(make_tracker), DOMAIN
    )
    assert [item["reference"] for item in place["suggestion_similar"]] == [reference]
    assert place["suggestion_similar"][0]["count"] == 0

    asked = make_tracker(slots={"suggestion_similar": place["suggestion_similar"]})
    required = await FORM.required_slots([], dispatcher, asked, DOMAIN)
    assert required.index("suggestion_similar_choice") == 3
    await ActionAskSuggestionSimilarChoice().run(dispatcher, asked, DOMAIN)
    question = dispatcher.messages[-1]
    assert "Zebrastreifen an der Kottenschule" in question["text"]
    assert [b["title"] for b in question["buttons"]] == [
        "„Zebrastreifen an der Kottenschule“ unterstützen",
        "Meinen Vorschlag trotzdem einreichen",
    ]

    pressed = make_tracker(
        question["buttons"][0]["payload"], "support_suggestion",
        [entity("reference", reference)], sender_id="citizen-b",
        slots={"suggestion_similar": place["suggestion_similar"]},
    )  # fmt: skip
    choice = await FORM.validate_suggestion_similar_choice(
        question["buttons"][0]["payload"], dispatcher, pressed, DOMAIN
    )
    assert choice == {"suggestion_similar_choice": "supported"}
    assert responses(dispatcher)[-1] == "utter_supported"
    assert count(database_url, suggestion_id) == 1
    done = make_tracker(slots={"suggestion_similar": place["suggestion_similar"],
                               "suggestion_similar_choice": "supported"})  # fmt: skip
    assert await FORM.required_slots([], dispatcher, done, DOMAIN) == [
        "suggestion_text", "suggestion_topic", "suggestion_location",
        "suggestion_similar_choice",
    ]  # fmt: skip
    submitted = await ActionSubmitSuggestion().run(dispatcher, done, DOMAIN)
    assert {"event": "slot", "timestamp": None, "name": "suggestion_similar_choice",
            "value": None} in submitted  # fmt: skip


async def test_nothing_similar_no_step_and_trotzdem_goes_on(
    dispatcher, make_tracker, database_url
):
    add(database_url, "Mehr Bänke im Stadtpark", district=None)
    place = await FORM.validate_suggestion_location(
        "Kotten", dispatcher, at_place_step(make_tracker), DOMAIN
    )
    assert place["suggestion_similar"] == []
    required = await FORM.required_slots(
        [], dispatcher, make_tracker(slots={"suggestion_similar": []}), DOMAIN
    )
    assert "suggestion_similar_choice" not in required
    for typed in ("Trotzdem einreichen", "nein, meinen eigenen"):
        result = await FORM.validate_suggestion_similar_choice(
            typed, dispatcher, make_tracker(typed, "inform"), DOMAIN
        )
        assert result == {"suggestion_similar_choice": "submit"}


async def test_one_s_own_published_suggestion_is_not_offered(
    dispatcher, make_tracker, database_url
):
    add(database_url, "Vor der Grundschule in Kotten fehlt ein Zebrastreifen",
        sender=sender_key("test-user"))  # fmt: skip
    place = await FORM.validate_suggestion_location(
        "Kotten", dispatcher, at_place_step(make_tracker), DOMAIN
    )
    assert place["suggestion_similar"] == []


@pytest.mark.parametrize(
    ("text", "reference_entity", "expected"),
    [
        ("Ich unterstütze {ref}", True, ["utter_supported", "utter_support_again"]),
        ("ich unterstütze {ref_lower}", False, ["utter_supported", "utter_support_again"]),
        ("Ich möchte einen Vorschlag unterstützen", False, ["utter_ask_support_reference"] * 2),
        ("Ich unterstütze V-0000-0000", False, ["utter_support_unknown"] * 2),
    ],
)  # fmt: skip
async def test_support_by_reference_in_the_chat(
    dispatcher, make_tracker, database_url, text, reference_entity, expected
):
    reference, suggestion_id = add(
        database_url, "Ein Zebrastreifen an der Kottenschule"
    )
    typed = text.format(ref=reference, ref_lower=reference.lower())
    entities = [entity("reference", reference)] if reference_entity else []
    for _ in range(2):
        tracker = make_tracker(typed, "support_suggestion", entities, sender_id="c-1")
        await ActionSupportSuggestion().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == expected
    if expected[0] == "utter_supported":
        assert count(database_url, suggestion_id) == 1
        news = dispatcher.messages[0]["buttons"][0]
        assert news["title"] == "Neuigkeiten dazu erhalten"


async def test_news_for_a_supporter(dispatcher, make_tracker, database_url):
    reference, _suggestion_id = add(
        database_url, "Ein Zebrastreifen an der Kottenschule"
    )
    tracker = make_tracker("/support_suggestion{...}", "support_suggestion",
                           [entity("reference", reference), entity("choice", "news")],
                           sender_id="telegram:77")  # fmt: skip
    await ActionSupportSuggestion().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_support_news"]
    with Session(get_engine(database_url), future=True) as session:
        (support,) = session.scalars(select(Support)).all()
    assert support.reply_to == "telegram:77"


async def test_backing_a_duplicate_says_where_the_support_went(
    dispatcher, make_tracker, database_url
):
    original, _ = add(database_url, "Ein Zebrastreifen an der Kottenschule")
    duplicate, _ = add(
        database_url, "Zebrastreifen Kottenschule bitte", sender="second"
    )
    with Session(get_engine(database_url), future=True) as session, session.begin():
        review.mark_duplicate(session, duplicate, original, actor="anna")
    tracker = make_tracker(f"Ich unterstütze {duplicate}", "support_suggestion",
                           [entity("reference", duplicate)], sender_id="c-9")  # fmt: skip
    await ActionSupportSuggestion().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_support_merged", "utter_supported"]
