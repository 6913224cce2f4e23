"""Issue 29: nothing a citizen wrote is thrown away by a guess."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker

from actions.sdk.clear_requests import (
    DISCARD_ASKED,
    DISCARD_YES,
    answered_after_listen,
    clearly,
)
from actions.sdk.deletion_actions import ActionCheckDeletionAnswer
from actions.sdk.live_actions import ValidateCallbackForm
from actions.sdk.suggestion_actions import ActionSubmitSuggestion
from actions.sdk.suggestion_form import ValidateSuggestionForm
from tests.helpers import entity, responses, slot_events

pytestmark = pytest.mark.usefixtures("seeded")

IDEA = "Am Hauptbahnhof fehlen überdachte Fahrradständer"
DOMAIN = {"forms": {"suggestion_form": {"required_slots": ["suggestion_text"]},
                    "callback_form": {"required_slots": [
                        "callback_text", "callback_contact", "callback_discard"]}}}  # fmt: skip


def said(make_tracker, text, intent, confidence=1.0, **kw):
    tracker = make_tracker(text, intent, **kw)
    tracker.latest_message["intent"]["confidence"] = confidence
    return tracker


def in_form(make_tracker, text, intent, confidence=1.0, step="suggestion_topic",
            slots=None, entities=None):  # fmt: skip
    filled = {"suggestion_text": IDEA, "requested_slot": step, **(slots or {})}
    return said(make_tracker, text, intent, confidence, slots=filled,
                active_loop="suggestion_form", entities=entities)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "intent", "confidence", "clear"),
    [
        ("/cancel", "cancel", 1.0, True),
        ("abbrechen", "cancel", 1.0, True),
        ("stopp", "cancel", 0.97, True),
        ("Absenden", "cancel", 0.54, False),
        ("Das möchte ich jetzt doch lieber abbrechen glaube ich", "cancel", 1.0, False),
        ("Stoppt den Ausbau der Straße", "cancel", 0.9, False),
        ("abbrechen", "affirm", 1.0, False),
    ],
)
def test_only_a_button_or_a_short_sure_message_is_clear(
    make_tracker, text, intent, confidence, clear
):
    assert clearly(said(make_tracker, text, intent, confidence), "cancel") is clear


async def test_a_clear_cancel_is_left_to_the_cancel_rule(dispatcher, make_tracker):
    for text in ("abbrechen", "/cancel", "stopp"):
        tracker = in_form(make_tracker, text, "cancel")
        events = slot_events(
            await ValidateSuggestionForm().run(dispatcher, tracker, DOMAIN)
        )
        # Nothing but the step: Rasa rejects the form, and the rule discards.
        assert set(events) <= {"requested_slot"}


@pytest.mark.parametrize("step", ["suggestion_topic", "suggestion_location",
                                  "suggestion_notify", "suggestion_public",
                                  "suggestion_confirmed"])  # fmt: skip
async def test_an_unclear_cancel_with_words_in_the_form_asks_first(
    dispatcher, make_tracker, step
):
    tracker = in_form(make_tracker, "Absenden", "cancel", 0.54, step=step)
    events = await ValidateSuggestionForm().run(dispatcher, tracker, DOMAIN)
    assert slot_events(events) == {
        "suggestion_discard": DISCARD_ASKED,
        "requested_slot": "suggestion_discard",
    }


async def test_an_unclear_cancel_before_any_words_is_the_idea(dispatcher, make_tracker):
    tracker = said(make_tracker, "Stoppt den Ausbau der Straße am Stadtpark", "cancel",
                   0.9, slots={"requested_slot": "suggestion_text"},
                   active_loop="suggestion_form")  # fmt: skip
    events = await ValidateSuggestionForm().run(dispatcher, tracker, DOMAIN)
    assert slot_events(events)["suggestion_text"].startswith("Stoppt den Ausbau")


@pytest.mark.parametrize(
    ("text", "intent", "entities", "kept"),
    [
        ("Nein, weiter ausfüllen", "inform", [entity("choice", "keep")], True),
        ("nein", "deny", [], True),
        ("weiter", "nlu_fallback", [], True),
        ("Absenden", "affirm", [], True),  # wants to send, not to discard
        ("ja", "affirm", [], False),
        ("ok", "affirm", [], False),
    ],
)
async def test_the_answer_to_wirklich_verwerfen(
    dispatcher, make_tracker, text, intent, entities, kept
):
    tracker = in_form(make_tracker, text, intent, step="suggestion_discard",
                      slots={"suggestion_discard": DISCARD_ASKED,
                             "suggestion_topic": "Mobilität"},
                      entities=entities)  # fmt: skip
    events = slot_events(
        await ValidateSuggestionForm().run(dispatcher, tracker, DOMAIN)
    )
    if kept:
        assert responses(dispatcher) == ["utter_discard_kept"]
        assert events["suggestion_discard"] is None
        assert events["requested_slot"] == "suggestion_location"  # where it was
    else:
        assert events == {"suggestion_discard": DISCARD_YES, "requested_slot": None}


async def test_something_else_at_wirklich_verwerfen_asks_again(
    dispatcher, make_tracker
):
    tracker = in_form(make_tracker, "hmm, keine Ahnung", "affirm", 0.4,
                      step="suggestion_discard",
                      slots={"suggestion_discard": DISCARD_ASKED})  # fmt: skip
    events = slot_events(
        await ValidateSuggestionForm().run(dispatcher, tracker, DOMAIN)
    )
    assert events == {"suggestion_discard": DISCARD_ASKED,
                      "requested_slot": "suggestion_discard"}  # fmt: skip
    assert responses(dispatcher) == ["utter_please_use_buttons"]
    question = in_form(make_tracker, "Wer ist die CDO?", "faq", step="suggestion_discard",
                       slots={"suggestion_discard": DISCARD_ASKED})  # fmt: skip
    assert await ValidateSuggestionForm().run(dispatcher, question, DOMAIN) == []


async def test_a_confirmed_discard_stores_nothing(
    dispatcher, make_tracker, database_url
):
    tracker = in_form(make_tracker, "ja", "affirm",
                      slots={"suggestion_discard": DISCARD_YES,
                             "suggestion_run": "run-1", "suggestion_topic": "Mobilität",
                             "suggestion_confirmed": True})  # fmt: skip
    events = await ActionSubmitSuggestion().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_suggestion_cancelled"]
    assert slot_events(events)["suggestion_text"] is None


def test_the_form_knows_a_new_message_from_its_way_back(make_tracker):
    new = make_tracker("x", "cancel", active_loop="suggestion_form")
    new.events.append({"event": "action", "name": "suggestion_form"})
    assert answered_after_listen(new)
    back = make_tracker("Wer ist die CDO?", "faq", active_loop="suggestion_form")
    back.events += [{"event": "action", "name": "utter_faq"},
                    {"event": "action", "name": "suggestion_form"}]  # fmt: skip
    assert not answered_after_listen(back)


@pytest.mark.parametrize(
    ("text", "intent", "confidence", "sure"),
    [
        ("/affirm", "affirm", 1.0, True),
        ("ja", "affirm", 0.98, True),
        (
            "Ja, löschen Sie bitte wirklich alle meine Daten",
            "request_data_deletion",
            0.95,
            True,
        ),
        ("ja aber nur vielleicht", "affirm", 0.6, False),
        ("Ja, hier im Chat", "help", 0.5, False),
    ],
)
async def test_only_a_clear_yes_deletes(
    dispatcher, make_tracker, text, intent, confidence, sure
):
    tracker = said(make_tracker, text, intent, confidence)
    events = await ActionCheckDeletionAnswer().run(dispatcher, tracker, {})
    assert slot_events(events) == {"deletion_confirmed": sure}
    assert responses(dispatcher) == ([] if sure else ["utter_deletion_unclear"])


def callback_tracker(make_tracker, text, intent, step, confidence=1.0, slots=None):
    return said(make_tracker, text, intent, confidence, active_loop="callback_form",
                slots={"requested_slot": step, **(slots or {})})  # fmt: skip


@pytest.mark.parametrize(
    ("text", "intent", "confidence", "expected"),
    [
        (
            "Nein, leider klappt es immer noch nicht",
            "deny",
            1.0,
            "Nein, leider klappt es immer noch nicht",
        ),
        (
            "Ich möchte nicht mehr warten, bitte abbrechen Sie den Antrag nicht",
            "cancel",
            0.7,
            "Ich möchte nicht mehr warten, bitte abbrechen Sie den Antrag nicht",
        ),
        ("Absenden", "cancel", 0.54, None),  # one word says nothing
    ],
)
async def test_the_message_to_the_team_keeps_what_was_written(
    dispatcher, make_tracker, text, intent, confidence, expected
):
    tracker = callback_tracker(make_tracker, text, intent, "callback_text", confidence)
    events = slot_events(await ValidateCallbackForm().run(dispatcher, tracker, DOMAIN))
    assert events.get("callback_text") == expected


async def test_the_message_form_asks_before_discarding_a_written_message(
    dispatcher, make_tracker
):
    slots = {"callback_text": "Bitte rufen Sie mich wegen der Ampel an."}
    unclear = callback_tracker(make_tracker, "ach lass mal gut sein jetzt abbrechen",
                               "cancel", "callback_contact", 0.9, slots)  # fmt: skip
    events = slot_events(await ValidateCallbackForm().run(dispatcher, unclear, DOMAIN))
    assert events == {"callback_discard": DISCARD_ASKED,
                      "requested_slot": "callback_discard"}  # fmt: skip
    for word in ("weiter", "Absenden", "fertig"):
        dispatcher.messages.clear()
        typed = callback_tracker(make_tracker, word, "affirm", "callback_contact",
                                 slots=slots)  # fmt: skip
        events = slot_events(
            await ValidateCallbackForm().run(dispatcher, typed, DOMAIN)
        )
        assert events["callback_contact"] == "-", word  # no contact beside the chat
    junk = callback_tracker(make_tracker, "ok", "affirm", "callback_contact",
                            slots=slots)  # fmt: skip
    events = slot_events(await ValidateCallbackForm().run(dispatcher, junk, DOMAIN))
    assert events["callback_contact"] is None


def test_a_tracker_without_a_message_has_no_clear_request():
    empty = Tracker("x", {}, {}, [], False, None, {}, "action_listen")
    assert not clearly(empty, "cancel")
