"""Computed answers from their templates (actions/sdk/wording.py): in the
conversation's language, with the edits staff made, never half-filled."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from actions.db import responses as answers
from actions.db.models import Response, utcnow
from actions.db.session import in_transaction
from actions.sdk.contact_actions import ActionContact, ActionPrivacy
from actions.sdk.event_actions import ActionListEvents
from actions.sdk.live_actions import LiveState
from actions.sdk.project_actions import ActionListProjects, ActionProjectInfo
from actions.sdk.suggestion_form import ActionAskSuggestionConfirmed
from actions.sdk.wording import Wording
from core.leichte_sprache import check
from core.protocol import ENGLISH, LANGUAGE_SLOT, LEICHTE_SPRACHE
from core.responses import LEICHT, STANDARD, leicht_names, shipped_texts
from tests.helpers import entity, texts

pytestmark = pytest.mark.usefixtures("seeded")
LEICHT_SLOTS = {LANGUAGE_SLOT: LEICHTE_SPRACHE}
EN_SLOTS = {LANGUAGE_SLOT: ENGLISH}
# "Montag, 7. Dezember 2026, um 10 Uhr", "…, von 9:30 Uhr bis 12 Uhr"
PLAIN_DATE = re.compile(
    r"Wann: (Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag), "
    r"\d{1,2}\. [A-Z][a-zä]+ \d{4}, (um|von) \d{1,2}(:\d\d)? Uhr"
)


async def run(action, dispatcher, tracker):
    return await action.run(dispatcher, tracker, domain={})


def seed_answers(database_url):
    in_transaction(database_url, lambda s: answers.seed(s, shipped_texts()))


def edited(database_url, name: str, variant: str, text: str) -> None:
    """The shipped answers, with one text changed by staff."""
    seed_answers(database_url)
    in_transaction(
        database_url, lambda s: answers.edit(s, name, variant, text, "redaktion")
    )


async def projects_listed(dispatcher, tracker) -> str:
    dispatcher.messages.clear()
    await run(ActionListProjects(), dispatcher, tracker)
    return texts(dispatcher)


def test_a_line_without_any_value_is_left_out():
    say = Wording(STANDARD, {})
    card = say(
        "tpl_project_card",
        name="N",
        summary="S.",
        topic="T",
        status="läuft",
        place="Mitte",
        contact=None,
        url="https://example.org",
    )
    assert card.splitlines() == [
        "N",
        "S.",
        "Thema: T · Stand: läuft · Ort: Mitte",
        "Mehr dazu: https://example.org",
    ]
    # An empty string is a value: the heading keeps its line.
    assert say("tpl_projects_heading_more", filters="") == "Weitere Projekte:"


def test_a_value_is_never_read_as_a_template():
    say = Wording(STANDARD, {})
    line = say("tpl_project_line", name="{summary}", summary="{0[x]} {name.__class__}")
    assert line == "• {summary}: {0[x]} {name.__class__}"


def test_an_edit_that_lost_a_placeholder_is_not_used():
    broken = {("tpl_project_line", STANDARD): "• ohne Platzhalter"}
    assert Wording(STANDARD, broken)("tpl_project_line", name="N", summary="S") == (
        "• N: S"
    )


async def test_a_staff_edit_of_a_template_is_the_next_answer(
    dispatcher, make_tracker, database_url
):
    edited(database_url, "tpl_projects_heading", STANDARD, "Unsere Projekte:")
    listed = await projects_listed(dispatcher, make_tracker("Projekte", "ask_projects"))
    assert listed.startswith("Unsere Projekte:\n")


async def test_the_leichte_sprache_edit_is_used_in_leichter_sprache_only(
    dispatcher, make_tracker, database_url
):
    edited(database_url, "tpl_projects_heading", LEICHT, "Das sind die Projekte:")
    tracker = make_tracker("Projekte", "ask_projects", slots=LEICHT_SLOTS)
    assert (await projects_listed(dispatcher, tracker)).startswith(
        "Das sind die Projekte:\n"
    )
    listed = await projects_listed(dispatcher, make_tracker("Projekte", "ask_projects"))
    assert listed.startswith("Diese Smart-City-Projekte gibt es:\n")


async def test_a_row_changed_past_the_rules_falls_back_to_the_shipped_text(
    dispatcher, make_tracker, database_url
):
    edited(database_url, "tpl_projects_hint", STANDARD, "Kürzer!")
    # Changed by hand in the database, past the staff app's checks.
    in_transaction(
        database_url,
        lambda s: s.execute(
            update(Response)
            .where(Response.name == "tpl_project_line")
            .values(text="{kaputt", edited_at=utcnow())
        ),
    )
    said = await projects_listed(dispatcher, make_tracker("Projekte", "ask_projects"))
    assert "• KL MitWirkung: " in said and "{kaputt" not in said
    assert said.endswith("Kürzer!")


async def test_a_project_card_in_leichter_sprache(dispatcher, make_tracker):
    tracker = make_tracker(
        "KL MitWirkung",
        "ask_project_info",
        [entity("project", "KL MitWirkung")],
        slots=LEICHT_SLOTS,
    )
    await run(ActionProjectInfo(), dispatcher, tracker)
    said = texts(dispatcher)
    assert said.startswith("Das Projekt heißt: KL MitWirkung\n")
    assert "So weit ist das Projekt: " in said
    assert "Thema: " not in said


async def test_an_event_list_in_leichter_sprache(dispatcher, make_tracker, clock):
    tracker = make_tracker("Termine", "ask_events", slots=LEICHT_SLOTS)
    await run(ActionListEvents(), dispatcher, tracker)
    said = texts(dispatcher)
    assert said.startswith("Diese Termine gibt es in den nächsten 30 Tagen:")
    assert "Wann: Samstag, 28. November 2026, von 9 Uhr bis 12 Uhr" in said
    dates = [line for line in said.splitlines() if "Wann:" in line]
    assert dates and all(PLAIN_DATE.search(line) for line in dates), dates
    assert "Es gibt " in said and " Termine." in said


async def test_events_of_one_day_in_leichter_sprache(dispatcher, make_tracker, clock):
    saturday = "2026-11-28T00:00:00+01:00"
    tracker = make_tracker(
        "Was ist am Samstag?",
        "ask_events",
        [entity("time", saturday, additional_info={"grain": "day"})],
        slots=LEICHT_SLOTS,
    )
    await run(ActionListEvents(), dispatcher, tracker)
    assert texts(dispatcher).startswith(
        "Diese Termine gibt es am Samstag, 28. November 2026:"
    )


async def test_the_form_summary_in_leichter_sprache(dispatcher, make_tracker):
    slots = {
        **LEICHT_SLOTS,
        "suggestion_text": "Mehr Bänke im Park",
        "suggestion_topic": "Umwelt",
        "suggestion_location": "Stadtpark",
        "suggestion_notify": "chat",
        "suggestion_public": True,
    }
    tracker = make_tracker("", "", slots=slots)
    await run(ActionAskSuggestionConfirmed(), dispatcher, tracker)
    said = texts(dispatcher)
    assert said.startswith("Das ist Ihr Vorschlag.\n")
    assert "Ihre Idee: Mehr Bänke im Park" in said
    assert "Alle dürfen den Vorschlag sehen: ja" in said
    assert "Fotos: keine Fotos" in said
    assert said.endswith("Soll ich den Vorschlag so abschicken?")
    # Only the citizen's own words may break the rules of Leichter Sprache.
    frame = said.replace("Mehr Bänke im Park", "Bänke").replace("Stadtpark", "Park")
    assert [str(f) for f in check(frame, leicht_names())] == []


async def test_contact_and_privacy_in_leichter_sprache(dispatcher, make_tracker):
    tracker = make_tracker("Kontakt", "ask_contact", slots=LEICHT_SLOTS)
    await run(ActionContact(), dispatcher, tracker)
    await run(ActionPrivacy(), dispatcher, tracker)
    contact, privacy = (m["text"] for m in dispatcher.messages)
    assert contact.startswith("Ein Mensch aus dem Team hilft Ihnen gern.\n")
    assert "E-Mail: " in contact
    assert privacy.startswith("So schützen wir Ihre Daten.\n")
    assert "{" not in privacy and "nach 180 Tagen" in privacy
    assert [str(f) for f in check(privacy, leicht_names())] == []


def test_a_closed_office_in_leichter_sprache_has_no_parentheses():
    state = LiveState(
        False,
        "tpl_live_closed",
        {"hours": None},
        {
            STANDARD: {"opening": "morgen (Dienstag) ab 9 Uhr"},
            LEICHT: {"opening": "morgen, am Dienstag, ab 9 Uhr"},
        },
    )
    assert state.why_not(Wording(LEICHT, {})) == (
        "Das Büro ist gerade zu.\nWir sind wieder morgen, am Dienstag, ab 9 Uhr für Sie da."
    )
    assert state.why_not(Wording(STANDARD, {})) == (
        "Das Büro ist gerade geschlossen.\n"
        "Wir sind wieder morgen (Dienstag) ab 9 Uhr für Sie da."
    )


def test_zero_is_a_value():
    line = Wording(STANDARD, {})(
        "tpl_suggestion_similar_line",
        number=1,
        title="Bänke",
        status="eingegangen",
        count=0,
        link="https://example.org/vorschlaege/V-AAAA-BBBB",
    )
    assert "„Bänke“: eingegangen, 0-mal unterstützt." in line


async def test_a_project_card_in_english_from_the_english_content(
    dispatcher, make_tracker
):
    """Issue 34: the card's labels, the project's texts, its topic and stage
    and the buttons in English; the payloads keep the German names."""
    tracker = make_tracker(
        "digital twin",
        "ask_project_info",
        [entity("project", "Digitaler Zwilling")],
        slots=EN_SLOTS,
    )
    await run(ActionProjectInfo(), dispatcher, tracker)
    said = texts(dispatcher)
    assert said.startswith("Digital Twin\n"), said
    assert "Topic: Urban Development · Status: in progress" in said
    assert Wording(ENGLISH, {})("tpl_only_in_german") not in said
    buttons = dispatcher.messages[-1]["buttons"]
    assert buttons[0]["title"] == "Events for it"
    assert "Digitaler Zwilling" in buttons[0]["payload"]


def test_a_text_the_city_wrote_only_in_german_is_said_to_be_so():
    say = Wording(ENGLISH, {})
    assert say.text("Nur auf Deutsch", None) == "Nur auf Deutsch"
    assert say.noted("Card").endswith(say("tpl_only_in_german"))
    german = Wording(STANDARD, {})
    assert german.text("Deutsch", "English") == "Deutsch"
    assert german.noted("Karte") == "Karte"


async def test_an_event_list_in_english(dispatcher, make_tracker, clock):
    tracker = make_tracker("events", "ask_events", slots=EN_SLOTS)
    await run(ActionListEvents(), dispatcher, tracker)
    said = texts(dispatcher)
    assert said.startswith("Events in the next 30 days:"), said
    assert "Sat, Nov 28, 2026, 9 AM to 12 PM: Information Stand at the" in said, said
    assert "Termine" not in said


async def test_within_a_second_the_known_edits_cost_no_transaction(
    database_url, make_tracker, monkeypatch
):
    """An FAQ answer asks for the wording on every turn: within the second
    after the last look it must not take a thread and a transaction."""
    from actions.db.session import Database
    from actions.sdk.wording import current_wording

    edited(database_url, "tpl_projects_heading", STANDARD, "Unsere Projekte:")
    tracker = make_tracker("Projekte", "ask_projects")
    assert (await current_wording(tracker))("tpl_projects_heading") == (
        "Unsere Projekte:"
    )

    async def no_transaction(*_args, **_kwargs):
        raise AssertionError("the database was asked within the second")

    monkeypatch.setattr(Database, "run", no_transaction)
    say = await current_wording(tracker)
    assert say("tpl_projects_heading") == "Unsere Projekte:"
