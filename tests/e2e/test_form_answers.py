"""Issue 31: answers the trained assistant mistook at a step, typed in the web
chat the way citizens typed them in the user tests.

An e-mail address with a word in it that reads as "no" or "stop" is the
address; another matter at the topic or place step is answered with the link
to the city's services and the step is asked again; "Wer das Projekt betreut"
after a 👎 is what was missing, "Wer betreut das Projekt?" a question.
"""

from __future__ import annotations

import itertools
import sqlite3

import pytest

from tests.e2e.chat import SERVICE_PORTAL, WebCitizen

PORTAL = f"Dienstleistungen der Stadt finden Sie hier: {SERVICE_PORTAL}"
numbers = itertools.count(1)


def idea_text() -> str:
    return f"Ein Wasserspielplatz im Stadtpark für heiße Tage, Wunsch {next(numbers)}"


@pytest.fixture
async def client(make_client):
    return await make_client(
        WEB_ADDRESS_PER_MINUTE="100000", WEB_GLOBAL_PER_MINUTE="100000"
    )


async def at_the_email_step(citizen: WebCitizen) -> None:
    await citizen.say("Ich möchte einen Vorschlag machen")
    assert "Zu welchem Thema" in await citizen.say(idea_text())
    assert "Ort" in await citizen.say("Umwelt und Energie")
    reply = await citizen.say("Überspringen")
    if "Ähnliche Vorschläge" in reply:
        reply = await citizen.say("Meinen Vorschlag trotzdem einreichen")
    assert "erfahren, was aus Ihrem Vorschlag wird" in reply, reply
    assert "Wie lautet Ihre E-Mail-Adresse" in await citizen.say("Ja, auch per E-Mail")


@pytest.mark.parametrize(
    ("typed", "address"),
    [
        ("news-abc@example.org", "news-abc@example.org"),  # read as a "no"
        ("no-reply-test@example.org", "no-reply-test@example.org"),
        ("nein.danke@example.org", "nein.danke@example.org"),
        ("nein, nehmen Sie news@example.de", "news@example.de"),
        ("stop@example.org", "stop@example.org"),  # read as a cancel
        ("abbrechen@example.org", "abbrechen@example.org"),
        ("hilfe@example.org", "hilfe@example.org"),  # read as help
        ("Meine Adresse ist kontakt@example.org", "kontakt@example.org"),
    ],
)
async def test_an_address_that_reads_like_a_no_or_a_cancel_is_the_address(
    client, typed, address
):
    citizen = WebCitizen(client)
    await at_the_email_step(citizen)
    consent = await citizen.say(typed)
    assert "Ich willige ein" in consent, consent
    assert "öffentlich zeigen?" in await citizen.say("Ich willige ein")
    summary = await citizen.say("Nein")
    assert f"per E-Mail an {address}" in summary, summary


@pytest.mark.parametrize(
    "question",
    ["Wo verlängere ich meinen Personalausweis?",
     "wo verlängere ich meinen personalausweis"],
)  # fmt: skip
async def test_another_matter_at_the_topic_step_gets_the_portal(client, question):
    citizen = WebCitizen(client)
    await citizen.say("Ich habe eine Idee")
    assert "Zu welchem Thema" in await citizen.say(idea_text())
    answer = await citizen.say(question)
    assert PORTAL in answer, answer
    assert "Dieses Thema kenne ich nicht" not in answer
    assert "Zu welchem Thema" in answer  # the form asks again
    assert "Ort" in await citizen.say("Mobilität")


async def test_another_matter_at_the_place_step_gets_the_portal_a_place_stays(
    client,
):
    citizen = WebCitizen(client)
    await citizen.say("Ich habe eine Idee")
    await citizen.say(idea_text())
    assert "Ort" in await citizen.say("Umwelt und Energie")
    answer = await citizen.say("Wo verlängere ich meinen Personalausweis?")
    assert PORTAL in answer and "Ort oder Stadtteil" in answer, answer
    for place in ("beim Bürgerbüro", "am Rathaus"):  # no questions: places
        reply = await citizen.say(place)
        if "Ähnliche Vorschläge" not in reply:
            break
        await citizen.say("Meinen Vorschlag trotzdem einreichen")
    summary = await finish_without_news(citizen, reply)
    assert "Ort: beim Bürgerbüro" in summary, summary


async def finish_without_news(citizen: WebCitizen, reply: str) -> str:
    if "Ähnliche Vorschläge" in reply:
        reply = await citizen.say("Meinen Vorschlag trotzdem einreichen")
    assert "erfahren, was aus Ihrem Vorschlag wird" in reply, reply
    await citizen.say("Nein, danke")
    return await citizen.say("Nein")


def comment_of(assistant, question: str) -> str | None:
    with sqlite3.connect(assistant.database_url.removeprefix("sqlite:///")) as db:
        return db.execute(
            "SELECT comment FROM answer_ratings WHERE question = ?", (question,)
        ).fetchone()[0]


async def thumbs_down(citizen: WebCitizen, question: str) -> None:
    await citizen.say(question)
    assert "Was hat Ihnen gefehlt?" in await citizen.say("Nicht hilfreich")


@pytest.mark.parametrize(
    ("question", "comment"),
    [
        ("Welche Projekte gibt es zum Thema Umwelt?", "Wer das Projekt betreut"),
        ("Welche Projekte gibt es zum Thema Beteiligung?", "wann die Werkstatt ist"),
        ("Welche Projekte gibt es zum Thema Bildung?", "wo man sich anmeldet"),
        ("Welche Projekte gibt es zum Thema Offene Daten?", "wie viel es kostet"),
    ],
)
async def test_an_indirect_question_after_a_thumbs_down_is_the_comment(
    assistant, client, question, comment
):
    citizen = WebCitizen(client)
    await thumbs_down(citizen, question)
    reply = await citizen.say(comment)
    assert "Danke! Das Team liest Ihren Hinweis" in reply, reply
    assert comment_of(assistant, question) == comment


@pytest.mark.parametrize(
    ("question", "direct", "answer"),
    [
        ("Welche Projekte gibt es zum Thema Infrastruktur?",
         "Wer betreut das Projekt?", "Zu welchem Projekt"),
        ("Welche Projekte gibt es zum Thema Stadtentwicklung?",
         "Wo verlängere ich meinen Personalausweis?", PORTAL),
    ],
)  # fmt: skip
async def test_a_direct_question_after_a_thumbs_down_is_answered(
    assistant, client, question, direct, answer
):
    citizen = WebCitizen(client)
    await thumbs_down(citizen, question)
    reply = await citizen.say(direct)
    assert answer in reply and "Danke! Das Team liest" not in reply, reply
    assert comment_of(assistant, question) is None
