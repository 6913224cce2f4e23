"""Issue 34: English on the running assistant, as an English-speaking resident
uses it: asked once when writing in English, or switched by asking, by the
widget's control or Telegram's /english; the answers, lists, the whole form
typed in plain English, the status and the deletion in English; back to
German in the middle; the language kept across Rasa's session expiry."""

from __future__ import annotations

import itertools
import re

import aiohttp
import pytest

from actions.sdk.wording import Wording
from bot.shared.live_chat import BACK_TEXT, STAFF_ENDED_TEXT, in_language
from core.protocol import ENGLISH
from core.responses import NOT_YET, domain_responses, variant_texts
from tests.e2e.chat import WebCitizen
from tests.e2e.live import logged_in, staff_session
from tests.e2e.test_live_chat import Widget, chat_of, texts
from tests.e2e.test_team_answers import age_conversation, sessions_started
from tests.e2e.test_telegram import ask, press, shown, titles

EN = variant_texts(ENGLISH)


@pytest.fixture
async def staff(assistant):
    async with staff_session() as http:
        member = await logged_in(assistant, http, "english-erin")
        yield member
        await member.available(False)  # other tests expect nobody in the live chat


@pytest.fixture
async def widget(assistant):
    async with aiohttp.ClientSession() as http:
        yield Widget(http, assistant.web_url)


chat_ids = itertools.count(9401)


def german(name: str) -> str:
    return domain_responses()[name].text


def first_line(name: str, **values: str) -> str:
    """A computed answer's first line in English (templates)."""
    return Wording(ENGLISH, {})(name, **values).splitlines()[0]


async def test_writing_in_english_is_asked_about_once_then_answered(assistant):
    async with aiohttp.ClientSession() as http:
        citizen = WebCitizen(http, assistant.web_url)
        offer = await citizen.say("Hello! Are there any events this weekend?")
        assert EN["utter_offer_english"] in offer
        assert set(citizen.buttons) == {"English", "Deutsch"}
        answered = await citizen.say("english")  # typed, not tapped
        assert citizen.language == ENGLISH
        assert EN["utter_english_an"] in answered
        # The waiting question, answered in English for this weekend.
        assert re.search(
            r"Events? .*on|Events? .*from|no events", answered, re.I
        ), answered
        assert "Termine" not in answered
        # Asked once: the next English message is simply answered.
        again = await citizen.say("What projects are there about mobility?")
        assert EN["utter_offer_english"] not in again
        assert again.startswith("Projects"), again


async def test_choosing_german_answers_the_question_in_german(assistant):
    async with aiohttp.ClientSession() as http:
        citizen = WebCitizen(http, assistant.web_url)
        await citizen.say("Who is the Chief Digital Officer of the city?")
        answered = await citizen.press("Deutsch")
        assert citizen.language == "standard"
        assert german("utter_faq/cdo") in answered, answered


async def test_asking_for_english_and_back_to_german_mid_form(assistant):
    async with aiohttp.ClientSession() as http:
        citizen = WebCitizen(http, assistant.web_url)
        switched = await citizen.say("Do you speak English?")
        assert EN["utter_english_an"] in switched and citizen.language == ENGLISH
        assert EN["utter_ask_suggestion_text"] in await citizen.say("I have an idea")
        back = await citizen.say("Deutsch bitte")
        assert citizen.language == "standard"
        assert german("utter_ask_suggestion_text") in back, "the step, asked again"


async def test_a_whole_conversation_in_english(assistant):
    """A project, the form typed in plain English to a reference, its status,
    then deletion: every part in English, none said to exist only in German."""
    idea = "There should be more bike racks at the main station, request 3401"
    async with aiohttp.ClientSession() as http:
        citizen = WebCitizen(http, assistant.web_url)
        await citizen.say("/english")
        card = await citizen.say("Tell me about the digital twin")
        assert card.startswith("Digital Twin\n") and "Place: citywide" in card, card
        assert {"Events for it", "More projects"} <= set(citizen.buttons)

        assert EN["utter_ask_suggestion_text"] in await citizen.say(
            "I'd like to make a suggestion"
        )
        assert EN["utter_topic_question"] in await citizen.say(idea)
        place = await citizen.say("mobility")
        assert EN["utter_ask_suggestion_location"] in place
        news = await citizen.say("at the main train station")
        if first_line("tpl_suggestion_similar") in news:  # an earlier run's idea
            news = await citizen.say("submit mine anyway")
        assert EN["utter_ask_suggestion_notify_chat"] in news, news
        assert EN["utter_ask_suggestion_public"] in await citizen.say("yes please")
        summary = await citizen.say("no")
        assert summary.startswith(first_line("tpl_suggestion_summary")), summary
        assert idea in summary
        # A question at the summary is told when it gets its answer.
        asked = await citizen.say("What's the weather going to be like tomorrow?")
        assert EN["utter_question_during_choice"] in asked, asked
        saved = await citizen.say("Send")  # the button's title, typed
        reference = re.search(r"V-[0-9A-Z]{4}-[0-9A-Z]{4}", saved).group(0)
        assert "Check the status" in citizen.buttons

        status = await citizen.say(f"What's the status of {reference}?")
        assert status.startswith(
            first_line(
                "tpl_suggestion_status_own", reference=reference, date="x"
            ).split(" from ")[0]
        ), status
        assert NOT_YET[ENGLISH] not in " ".join([card, place, news, summary, saved])

        asked = await citizen.say("Please delete all my data")
        assert EN["utter_ask_delete_confirmation"] in asked, asked
        deleted = await citizen.say("yes")
        assert EN["utter_data_deleted"].format(what="1 suggestion") in deleted


async def test_english_holds_across_rasa_s_session_expiry(assistant):
    marker = "Do you speak English? Number 3402"
    async with aiohttp.ClientSession() as http:
        citizen = WebCitizen(http, assistant.web_url)
        await citizen.say(marker)
        assert citizen.language == ENGLISH
        sender = age_conversation(assistant, "Number 3402", 2 * 3600)
        before = sessions_started(assistant, sender)
        later = await citizen.say("How can I get involved?")
        assert sessions_started(assistant, sender) == before + 1
        assert EN["utter_faq/mitmachen"] in later, later
        # Asked about English once: never again, also in the new session.
        assert EN["utter_offer_english"] not in later


def test_on_telegram_from_the_app_language_to_german(assistant, bot_api):
    chat = next(chat_ids)
    start = shown(ask(bot_api, chat, "/start", language_code="en"))
    assert EN["utter_english_an"] in start and EN["utter_greet"] in start
    events = ask(bot_api, chat, "any events next week?")
    assert "Termine" not in shown(events)
    projects = ask(bot_api, chat, "Which projects are there downtown?")
    assert shown(projects).startswith("Projects"), shown(projects)
    back = shown(ask(bot_api, chat, "/deutsch"))
    assert german("utter_deutsch") in back
    assert german("utter_faq/mitmachen") in shown(
        ask(bot_api, chat, "Wie kann ich mitmachen?")
    )
    english = ask(bot_api, chat, "/english")
    assert EN["utter_english_an"] in shown(english)
    switched = next(c for c in english if "Deutsch" in titles(c))
    _update, again = press(bot_api, switched, "Deutsch")
    assert german("utter_deutsch") in shown(again)


async def test_a_live_chat_in_english_is_marked_for_staff_and_ends_in_english(
    assistant, staff, widget
):
    """Issue 34.4: the team sees the language; the live chat's own texts come
    in it, from the citizen's side and the team's."""
    await staff.available()
    await widget.say("/english")
    started = await widget.say("I'd like to talk to a real person, please")
    assert started["live"] is True, started
    assert "I'm connecting you with a person from the team" in texts(started)
    marker = "Is anybody there? Number 3403"
    assert (await widget.say(marker))["live"] is True
    chat_id = await chat_of(staff, marker)
    (entry,) = [c for c in await staff.queue() if c["id"] == chat_id]
    assert "auf Englisch" in entry["summary"]
    back = await widget.say("back to the assistant")
    assert texts(back) == in_language(BACK_TEXT, ENGLISH)
    # A second chat, ended by the team: its goodbye is English too.
    assert (await widget.say("Can I chat with a human?"))["live"] is True
    await widget.say("Another question, number 3404")
    second = await chat_of(staff, "Another question, number 3404")
    await staff.post(f"/live/{second}/end")
    assert in_language(STAFF_ENDED_TEXT, ENGLISH) in await widget.wait_for_news(1)
