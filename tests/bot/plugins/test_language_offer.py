"""Asking once whether to go on in English (bot/plugins/language_offer.py)."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.plugins.language_offer import OFFER_ACTION, LanguageOfferPolicy
from core.settings import PROJECT_ROOT
from nlu.language_detector import detect

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def policy(tmp_path) -> LanguageOfferPolicy:
    return LanguageOfferPolicy.create(
        LanguageOfferPolicy.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("language_offer"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def tracker(text: str, *events, intent: str = "ask_events") -> DialogueStateTracker:
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": []}
    found = detect(text)
    if found:
        parse["language"] = found
    return DialogueStateTracker.from_events(
        "web:en",
        [
            ActionExecuted("action_listen"),
            *events,
            UserUttered(text, parse_data={"text": text, **parse}),
        ],
        slots=DOMAIN.slots,
    )


def predicted(policy, tracker) -> str | None:
    probabilities = policy.predict_action_probabilities(tracker, DOMAIN).probabilities
    if max(probabilities) < 1.0:
        return None
    return DOMAIN.action_names_or_texts[probabilities.index(1.0)]


def test_an_english_question_is_asked_about(policy):
    assert predicted(policy, tracker("Hello! Are there any events this weekend?")) == (
        OFFER_ACTION
    )


@pytest.mark.parametrize(
    "text",
    [
        "Gibt es am Wochenende Termine?",
        "ok",  # short words say little about their language
        "Hello",
        "Smart Parking",
        "Wer ist der Chief Digital Officer?",
    ],
)
def test_german_and_short_messages_are_not(policy, text):
    assert predicted(policy, tracker(text)) is None


def test_only_once(policy):
    asked = SlotSet("englisch_angeboten", True)
    assert (
        predicted(policy, tracker("Are there any events this weekend?", asked)) is None
    )


def test_not_when_english_already_or_when_asking_for_a_language(policy):
    english = SlotSet("sprache", "en")
    assert predicted(policy, tracker("Any events this weekend?", english)) is None
    assert predicted(policy, tracker("Do you speak English?", intent="english")) is None


def test_not_inside_a_form(policy):
    form = ActiveLoop("suggestion_form")
    text = "There should be more benches in the park"
    assert predicted(policy, tracker(text, form)) is None


def test_after_asking_it_waits_for_the_answer(policy):
    asked = tracker("Are there any events this weekend?")
    asked.update(ActionExecuted(OFFER_ACTION))
    assert predicted(policy, asked) == "action_listen"
