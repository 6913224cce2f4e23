"""👍/👎 under answers with the real Rasa, over REST and Telegram: stored with
the question, intent, response and channel with a pseudonym, never the chat; deleted with
"Meine Daten löschen"."""

from __future__ import annotations

import sqlite3
import uuid

import aiohttp

from tests.e2e.chat import joined, say
from tests.e2e.test_telegram import ask as ask_telegram
from tests.e2e.test_telegram import chat_ids, press, titles

CDO = "Wer ist die Chief Digital Officer von Kaiserslautern?"


def rating_rows(assistant, question: str) -> list[tuple]:
    with sqlite3.connect(assistant.database_url.removeprefix("sqlite:///")) as db:
        return db.execute(
            "SELECT question, intent, response, channel, rating, comment"
            " FROM answer_ratings WHERE question = ?",
            (question,),
        ).fetchall()


def thumbs(replies: list[dict]) -> dict[str, str]:
    """Title -> payload of the 👍/👎 buttons in the replies."""
    return {
        b["title"]: b["payload"]
        for r in replies
        for b in r.get("buttons") or []
        if b["payload"].startswith("/rate{")
    }


class Chat:
    def __init__(self, assistant):
        self.webhook, self.sender = assistant.webhook, uuid.uuid4().hex

    async def __call__(self, text: str) -> list[dict]:
        async with aiohttp.ClientSession() as http:
            return await say(http, self.webhook, self.sender, text)


async def test_a_thumbs_down_asks_once_and_keeps_what_was_missing(assistant):
    chat = Chat(assistant)
    answer = await chat(CDO)
    assert "Ilona Benz" in joined(answer)
    offered = thumbs(answer)
    assert set(offered) == {"👍 Hilfreich", "👎 Nicht hilfreich"}

    asked = await chat(offered["👎 Nicht hilfreich"])
    assert "Was hat Ihnen gefehlt?" in joined(asked)
    assert [b["title"] for r in asked for b in r.get("buttons") or []] == [
        "Überspringen"
    ]
    thanks = await chat("Die Telefonnummer von ihr fehlte mir")
    assert "Danke" in joined(thanks)

    rows = rating_rows(assistant, CDO)
    assert rows == [(CDO, "faq", "utter_faq/cdo", "rest", "down",
                     "Die Telefonnummer von ihr fehlte mir")]  # fmt: skip
    # The assistant answers normally again.
    assert "MitWirkung" in joined(await chat("Was ist die Mitmachplattform?"))


async def test_a_question_instead_of_a_comment_is_answered(assistant):
    chat = Chat(assistant)
    question = "Welche Projekte gibt es zum Thema Mobilität?"
    offered = thumbs(await chat(question))
    await chat(offered["👎 Nicht hilfreich"])
    events = joined(await chat("Welche Veranstaltungen gibt es demnächst?"))
    assert events.startswith("Termine in den nächsten 30 Tagen:"), events
    assert rating_rows(assistant, question) == [
        (question, "ask_projects", "action_list_projects", "rest", "down", None)
    ]


async def test_a_no_with_words_is_a_comment_and_a_bare_no_skips(assistant):
    chat = Chat(assistant)
    question = "Welche Projekte gibt es zum Thema Verwaltung?"
    offered = thumbs(await chat(question))
    await chat(offered["👎 Nicht hilfreich"])
    assert "Danke" in joined(await chat("Nein, es fehlten die Öffnungszeiten"))
    assert (
        rating_rows(assistant, question)[0][-1] == "Nein, es fehlten die Öffnungszeiten"
    )


async def test_a_thumbs_up_is_thanked_and_skipping_works(assistant):
    chat = Chat(assistant)
    question = "Was ist die Mitmachplattform?"
    offered = thumbs(await chat(question))
    assert "Danke für Ihre Rückmeldung" in joined(await chat(offered["👍 Hilfreich"]))
    # Changing one's mind, then skipping the question.
    await chat(offered["👎 Nicht hilfreich"])
    assert "In Ordnung" in joined(await chat("/deny"))
    assert rating_rows(assistant, question) == [
        (question, "ask_project_info", "action_project_info", "rest", "down", None)
    ]


async def test_no_thumbs_under_greetings_or_inside_the_suggestion_form(assistant):
    chat = Chat(assistant)
    assert thumbs(await chat("Hallo")) == {}
    await chat("Ich möchte einen Vorschlag machen")
    assert thumbs(await chat(CDO)) == {}


async def test_deleting_my_data_deletes_my_ratings(assistant):
    chat = Chat(assistant)
    question = "Infos zum 3D-Stadtmodell"
    await chat(thumbs(await chat(question))["👍 Hilfreich"])
    assert len(rating_rows(assistant, question)) == 1
    await chat("Bitte löschen Sie meine Daten")
    assert "gelöscht" in joined(await chat("/affirm"))
    assert rating_rows(assistant, question) == []


async def test_deleting_finds_the_ratings_of_an_earlier_session(assistant):
    """Issue 30: after Rasa's session expired, the offer ids of the earlier
    session are no longer in the tracker the action server sees."""
    from tests.e2e.test_team_answers import age_conversation, sessions_started

    chat = Chat(assistant)
    question = "Was macht der Beirat Digitalisierung?"
    await chat(thumbs(await chat(question))["👎 Nicht hilfreich"])
    await chat("Die Sitzungstermine fehlten")
    assert len(rating_rows(assistant, question)) == 1
    age_conversation(assistant, question, 3 * 3600)
    await chat("Bitte löschen Sie meine Daten")
    assert sessions_started(assistant, chat.sender) == 2  # a new session
    assert "gelöscht" in joined(await chat("/affirm"))
    assert rating_rows(assistant, question) == []


def test_thumbs_on_telegram_are_stored_with_the_channel(assistant, bot_api):
    chat = next(chat_ids)
    question = "Was ist Smart Parking?"
    answer = ask_telegram(bot_api, chat, question)[-1]
    assert titles(answer)[-2:] == ["👍 Hilfreich", "👎 Nicht hilfreich"]
    _, reply = press(bot_api, answer, "👍 Hilfreich")
    assert "Danke für Ihre Rückmeldung" in reply[-1].text
    assert rating_rows(assistant, question) == [
        (question, "ask_project_info", "action_project_info", "telegram", "up", None)
    ]


async def test_a_thumb_pressed_later_during_the_form_keeps_the_form_going(assistant):
    chat = Chat(assistant)
    offered = thumbs(await chat("Was ist der Digitale Zwilling?"))
    await chat("Ich möchte einen Vorschlag machen")
    replies = joined(await chat(offered["👍 Hilfreich"]))
    assert (
        "Danke für Ihre Rückmeldung" in replies
        and "Beschreiben Sie Ihre Idee" in replies
    )
    assert "Zu welchem Thema" in joined(await chat("Bitte mehr Bänke im Stadtpark"))
