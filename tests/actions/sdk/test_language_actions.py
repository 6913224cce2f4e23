"""Switching Leichte Sprache on and off (actions/sdk/language_actions.py)."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.sdk.language_actions import ActionLeichteSprache, ActionStandardSprache


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
    assert dispatcher.messages[-1]["custom"] == {"smartcity_language": "leicht"}
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
    assert dispatcher.messages[-1]["custom"] == {"smartcity_language": "standard"}
    assert events[0]["name"] == "sprache" and events[0]["value"] is None
