"""Switching Leichte Sprache and English on and off, and answering the
question whether to go on in English (actions/sdk/language_actions.py)."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.sdk.language_actions import (
    ActionEnglish,
    ActionLeichteSprache,
    ActionOfferEnglish,
    ActionStandardSprache,
)


def after(*bot: dict, loop: str | None = None) -> Tracker:
    """The citizen asks for Leichte Sprache after an answer made of `bot`."""
    return Tracker(
        sender_id="web:leicht",
        slots={},
        latest_message={"text": "Bitte einfacher", "intent": {"name": "rephrase"}},
        events=[
            {"event": "user", "text": "Hallo"},
            {
                "event": "bot",
                "text": "Hallo!",
                "metadata": {"utter_action": "utter_greet"},
            },
            {"event": "user", "text": "Wer ist CDO?"},
            {"event": "action", "name": "action_answer_faq"},
            *bot,
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "Bitte einfacher"},
        ],
        paused=False,
        followup_action=None,
        active_loop={"name": loop} if loop else {},
        latest_action_name="action_listen",
    )


def said(dispatcher) -> list[dict]:
    return [m for m in dispatcher.messages if m.get("response")]


def faq(name: str = "utter_faq/cdo") -> dict:
    return {"event": "bot", "text": "…", "metadata": {"utter_action": name}}


async def test_switching_on_says_the_last_answer_again_in_leichter_sprache(dispatcher):
    events = await ActionLeichteSprache().run(dispatcher, after(faq()), {})
    assert [(m["response"], m["sprache"]) for m in said(dispatcher)] == [
        ("utter_leichte_sprache_an", "leicht"),
        ("utter_faq/cdo", "leicht"),
    ]
    assert {"smartcity_language": "leicht"} in [
        m.get("custom") for m in dispatcher.messages
    ]
    assert events == [
        {"event": "slot", "timestamp": None, "name": "sprache", "value": "leicht"}
    ]


async def test_a_computed_answer_is_asked_for_again(dispatcher):
    computed = {"event": "bot", "text": "Projekt: Digitaler Zwilling …", "metadata": {}}
    await ActionLeichteSprache().run(dispatcher, after(computed), {})
    assert [m["response"] for m in said(dispatcher)] == [
        "utter_leichte_sprache_an",
        "utter_leichte_sprache_nochmal",
    ]


async def test_in_a_form_the_form_asks_again_instead(dispatcher):
    await ActionLeichteSprache().run(
        dispatcher, after(faq(), loop="suggestion_form"), {}
    )
    assert [m["response"] for m in said(dispatcher)] == ["utter_leichte_sprache_an"]


async def test_asking_twice_does_not_repeat_the_switch(dispatcher):
    switched = faq("utter_leichte_sprache_an")
    await ActionLeichteSprache().run(dispatcher, after(switched), {})
    assert [m["response"] for m in said(dispatcher)] == ["utter_leichte_sprache_an"]


async def test_switching_off(dispatcher):
    events = await ActionStandardSprache().run(dispatcher, after(), {})
    assert [m["response"] for m in said(dispatcher)] == ["utter_standard_sprache"]
    assert {"smartcity_language": "standard"} in [
        m.get("custom") for m in dispatcher.messages
    ]
    assert events[0]["name"] == "sprache" and events[0]["value"] is None


async def test_english_says_the_last_answer_again_in_english(dispatcher):
    events = await ActionEnglish().run(dispatcher, after(faq()), {})
    assert [(m["response"], m["sprache"]) for m in said(dispatcher)] == [
        ("utter_english_an", "en"),
        ("utter_faq/cdo", "en"),
    ]
    assert events == [
        {"event": "slot", "timestamp": None, "name": "sprache", "value": "en"}
    ]


def offered(answer: str, intent: str) -> Tracker:
    """The assistant asked whether to go on in English; the citizen answers."""
    question = {
        "text": "Are there any events this weekend?",
        "parse_data": {"intent": {"name": "ask_events"}, "entities": []},
        "input_channel": "web",
    }
    return Tracker(
        sender_id="web:en",
        slots={"englisch_angeboten": True},
        latest_message={"text": answer, "intent": {"name": intent}},
        events=[
            {"event": "action", "name": "action_listen"},
            {"event": "user", **question},
            {"event": "action", "name": "action_offer_english"},
            {
                "event": "bot",
                "text": "…",
                "metadata": {"utter_action": "utter_offer_english"},
            },
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": answer},
        ],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def test_choosing_english_answers_the_waiting_question_in_english(dispatcher):
    events = await ActionEnglish().run(dispatcher, offered("English", "english"), {})
    assert [m["response"] for m in said(dispatcher)] == ["utter_english_an"]
    assert [e["event"] for e in events] == ["slot", "action", "user"]
    assert events[1]["name"] == "action_listen"
    assert events[2]["text"] == "Are there any events this weekend?"
    assert events[2]["parse_data"]["intent"]["name"] == "ask_events"


async def test_choosing_german_answers_the_waiting_question_in_german(dispatcher):
    events = await ActionStandardSprache().run(
        dispatcher, offered("Deutsch", "standard_sprache"), {}
    )
    assert [m["response"] for m in said(dispatcher)] == ["utter_deutsch"]
    assert events[0]["value"] is None and events[2]["event"] == "user"


async def test_a_later_switch_puts_back_nothing(dispatcher):
    events = await ActionEnglish().run(dispatcher, after(faq()), {})
    assert [e["event"] for e in events] == ["slot"]


async def test_the_offer_is_asked_in_both_languages_and_only_once(dispatcher):
    events = await ActionOfferEnglish().run(dispatcher, after(), {})
    assert [(m["response"], m["sprache"]) for m in said(dispatcher)] == [
        ("utter_offer_english", "en")
    ]
    assert events[0]["name"] == "englisch_angeboten" and events[0]["value"] is True
