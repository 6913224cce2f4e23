"""Issue 33.2: Leichte Sprache as a mode of the conversation on the running
assistant: switched on by typing (in the citizen's own words) or by the
widget's control and Telegram's /leicht, the last answer said again in it,
then FAQ answers and the form's questions in it, until switched off."""

from __future__ import annotations

import itertools

import aiohttp
import pytest

from core.responses import domain_responses, leicht_texts
from tests.e2e.chat import WebCitizen
from tests.e2e.test_telegram import ask, shown

LEICHT = leicht_texts()
CDO = "Wer ist die Chief Digital Officer von Kaiserslautern?"
JOIN_IN = "Wie kann ich mitmachen?"
chat_ids = itertools.count(9301)


def standard(name: str) -> str:
    return domain_responses()[name].text


@pytest.mark.parametrize(
    "switch",
    [
        "Bitte in Leichter Sprache",
        "Das verstehe ich nicht. Können Sie das in einfacher Sprache sagen?",
        "kannst du das einfacher sagen",
        "/rephrase",  # the widget's "Leichte Sprache" control
    ],
)
async def test_switched_on_the_answers_come_in_leichter_sprache(assistant, switch):
    async with aiohttp.ClientSession() as http:
        citizen = WebCitizen(http, assistant.web_url)
        assert standard("utter_faq/cdo") in await citizen.say(CDO)
        switched = await citizen.say(switch)
        assert LEICHT["utter_leichte_sprache_an"] in switched
        assert LEICHT["utter_faq/cdo"] in switched, "the last answer, said again"
        assert citizen.language == "leicht"
        assert LEICHT["utter_faq/mitmachen"] in await citizen.say(JOIN_IN)
        asked = await citizen.say("Ich möchte einen Vorschlag machen")
        assert LEICHT["utter_ask_suggestion_text"] in asked
        topic = await citizen.say(
            "Im Volkspark fehlen Bänke im Schatten für ältere Menschen"
        )
        assert LEICHT["utter_topic_question"] in topic
        assert "Mobilität" in citizen.buttons  # the topics, added by the action


@pytest.mark.parametrize(
    "switch_off", ["Bitte wieder normale Sprache", "Normale Sprache"]
)
async def test_switched_off_the_usual_language_comes_back(assistant, switch_off):
    async with aiohttp.ClientSession() as http:
        citizen = WebCitizen(http, assistant.web_url)
        await citizen.say("Leichte Sprache, bitte")
        assert citizen.language == "leicht"
        off = await citizen.say(switch_off)
        assert standard("utter_standard_sprache") in off
        assert citizen.language == "standard"
        assert standard("utter_faq/mitmachen") in await citizen.say(JOIN_IN)


async def test_in_the_middle_of_the_form_the_step_is_asked_again_in_it(assistant):
    async with aiohttp.ClientSession() as http:
        citizen = WebCitizen(http, assistant.web_url)
        assert standard("utter_ask_suggestion_text") in await citizen.say(
            "Ich möchte einen Vorschlag machen"
        )
        again = await citizen.say("Das ist mir zu kompliziert, bitte einfacher")
        assert LEICHT["utter_ask_suggestion_text"] in again
        # The request was not taken for the idea: the form still asks for it.
        assert "Zu welchem Thema" not in again


def test_on_telegram_by_command_and_by_typing(assistant, bot_api):
    chat = next(chat_ids)
    switched = shown(ask(bot_api, chat, "/leicht"))
    assert LEICHT["utter_leichte_sprache_an"] in switched
    assert LEICHT["utter_faq/mitmachen"] in shown(ask(bot_api, chat, JOIN_IN))
    assert standard("utter_standard_sprache") in shown(ask(bot_api, chat, "/normal"))
    typed = shown(ask(bot_api, chat, "Bitte in Leichter Sprache"))
    assert LEICHT["utter_leichte_sprache_an"] in typed
