"""Issue 29: lists go on to their end, by button and typed; questions about
what happens with a suggestion, and asking to say it more simply, are
answered, inside the form and after it (the widget's API, real Rasa)."""

from __future__ import annotations

import itertools
import re

import pytest

from core.responses import leicht_texts
from tests.e2e.chat import WebCitizen

PROGRESS = re.compile(r"Das sind (\d+) bis (\d+) von (\d+) (Projekten|Terminen)")


@pytest.fixture
async def client(make_client):
    return await make_client(
        WEB_ADDRESS_PER_MINUTE="100000", WEB_GLOBAL_PER_MINUTE="100000"
    )


async def page_through(citizen: WebCitizen, first: str, more: list[str]) -> list[str]:
    """Ask for a list, then for more until it ends; every page's progress."""
    pages = [await citizen.say(first)]
    for ask in more:
        pages.append(await citizen.say(ask))
        if "Das war schon alles" in pages[-1]:
            break
    return pages


@pytest.mark.parametrize(
    "more", [["Weitere anzeigen"] * 4, ["zeig mir die restlichen", "mehr anzeigen",
                                        "und die anderen?", "noch mehr"]],
)  # fmt: skip
async def test_the_project_list_goes_on_to_its_end(client, more):
    pages = await page_through(WebCitizen(client), "Welche Projekte gibt es?", more)
    ranges = [
        tuple(map(int, m.groups()[:3])) for p in pages if (m := PROGRESS.search(p))
    ]
    assert ranges[0][0] == 1 and ranges[-1][1] == ranges[-1][2], pages
    # Each page starts where the one before stopped.
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(ranges))
    assert "Das war schon alles" in pages[-1]


async def test_the_event_list_goes_on_with_its_time_range(client):
    citizen = WebCitizen(client)
    # The example events are relative to the import day: 13 in the next 30 days.
    pages = await page_through(citizen, "Welche Termine gibt es?",
                               ["und die restlichen Termine?", "Weitere anzeigen",
                                "Weitere anzeigen"])  # fmt: skip
    assert PROGRESS.search(pages[0]), pages[0]
    period = pages[0].split(":")[0].removeprefix("Termine ")
    assert pages[1].startswith(f"Weitere Termine {period}:"), (pages[0], pages[1])


@pytest.mark.parametrize("inside_the_form", [False, True])
async def test_how_long_until_someone_answers(client, inside_the_form):
    citizen = WebCitizen(client)
    if inside_the_form:
        await citizen.say("Ich möchte einen Vorschlag machen")
        await citizen.say("Am Stadtpark fehlen Trinkbrunnen für heiße Sommertage")
    reply = await citizen.say("Wie lange dauert es, bis sich jemand meldet?")
    assert "Eine feste Frist gibt es nicht" in reply, reply
    if inside_the_form:
        assert reply.rstrip().endswith("Zu welchem Thema passt Ihre Idee?"), reply


async def test_asking_for_simpler_words_gets_the_answer_in_leichter_sprache(client):
    """Issue 33.2: it said "Einfacher kann ich es noch nicht sagen" before."""
    citizen = WebCitizen(client)
    await citizen.say("Was ist eine Smart City?")
    reply = await citizen.say(
        "Das verstehe ich nicht. Können Sie das in einfacher Sprache sagen?"
    )
    assert leicht_texts()["utter_faq/smart_city"] in reply, reply
    assert "Idee für die Stadt" not in reply
