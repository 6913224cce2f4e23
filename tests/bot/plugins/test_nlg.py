"""Rasa's NLG with staff edits laid over the domain (bot/plugins/nlg.py)."""

from __future__ import annotations

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from actions.db import responses as answers
from actions.db.session import Database, in_transaction
from bot.plugins.nlg import EditableResponses, in_variant
from core.protocol import ENGLISH, LANGUAGE_SLOT, LEICHTE_SPRACHE
from core.responses import (
    LEICHT,
    NOT_YET,
    NOT_YET_LEICHT,
    STANDARD,
    leicht_texts,
    shipped_texts,
    variant_entries,
)
from core.settings import PROJECT_ROOT, get_settings

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def nlg(database_url, monkeypatch) -> EditableResponses:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    in_transaction(database_url, lambda s: answers.seed(s, shipped_texts()))
    generator = EditableResponses(
        EndpointConfig(type="bot.plugins.nlg.EditableResponses", refresh_seconds=0),
        DOMAIN,
    )
    yield generator
    get_settings.cache_clear()


def tracker() -> DialogueStateTracker:
    return DialogueStateTracker.from_events("someone", [], slots=DOMAIN.slots)


async def text(nlg, name: str) -> str:
    return (await nlg.generate(name, tracker(), "rest"))["text"]


def edit(url: str, name: str, new: str) -> None:
    in_transaction(url, lambda s: answers.edit(s, name, STANDARD, new, "anna"))


async def test_the_domain_text_until_staff_edit_it_then_the_edit(nlg, database_url):
    shipped = DOMAIN.responses["utter_greet"][0]["text"]
    assert await text(nlg, "utter_greet") == shipped
    edit(database_url, "utter_greet", "Moin! Was kann ich für Sie tun?")
    assert await text(nlg, "utter_greet") == "Moin! Was kann ich für Sie tun?"
    # Buttons and the other answers stay the domain's.
    response = await nlg.generate("utter_greet", tracker(), "rest")
    assert response.get("buttons") == DOMAIN.responses["utter_greet"][0].get("buttons")
    assert (
        await text(nlg, "utter_goodbye") == DOMAIN.responses["utter_goodbye"][0]["text"]
    )


async def test_slots_are_filled_in_an_edited_text(nlg, database_url):
    shipped = DOMAIN.responses["utter_faq/cdo"][0]["text"]
    edit(database_url, "utter_faq/cdo", "Neu: " + shipped)
    assert (await text(nlg, "utter_faq/cdo")).startswith("Neu: ")


async def test_rasa_loading_a_model_keeps_the_edits(nlg, database_url):
    edit(database_url, "utter_greet", "Moin!")
    await nlg.refresh()
    nlg.responses = DOMAIN.responses  # what Rasa's Agent.load_model does
    assert await text(nlg, "utter_greet") == "Moin!"


async def test_a_database_that_is_away_keeps_the_last_texts(nlg, database_url):
    edit(database_url, "utter_greet", "Moin!")
    assert await text(nlg, "utter_greet") == "Moin!"
    nlg.db = Database("postgresql://nobody@127.0.0.1:1/none")
    assert await text(nlg, "utter_greet") == "Moin!"
    fresh = EditableResponses(None, DOMAIN)
    fresh.db = nlg.db
    assert (
        await text(fresh, "utter_greet") == DOMAIN.responses["utter_greet"][0]["text"]
    )


async def test_edits_are_looked_for_at_most_once_per_refresh_interval(
    nlg, database_url
):
    nlg.refresh_seconds = 3600
    assert await text(nlg, "utter_greet") != "Moin!"
    edit(database_url, "utter_greet", "Moin!")
    assert await text(nlg, "utter_greet") != "Moin!"
    nlg.refresh_seconds = 0
    assert await text(nlg, "utter_greet") == "Moin!"


def tracker_in(mode: str | None) -> DialogueStateTracker:
    found = tracker()
    found.update(SlotSet(LANGUAGE_SLOT, mode))
    return found


async def test_in_leichter_sprache_each_answer_has_its_leicht_text(nlg, database_url):
    leicht = leicht_texts()["utter_greet"]
    answer = await nlg.generate("utter_greet", tracker_in(LEICHTE_SPRACHE), "rest")
    assert answer["text"] == leicht
    assert answer.get("buttons") == DOMAIN.responses["utter_greet"][0].get("buttons")
    # Also when an action asks for it, before the slot is set.
    asked = await nlg.generate("utter_greet", tracker(), "rest", sprache="leicht")
    assert asked["text"] == leicht
    in_transaction(
        database_url,
        lambda s: answers.edit(
            s, "utter_greet", LEICHT, "Hallo.\nIch helfe Ihnen.", "a"
        ),
    )
    edited = await nlg.generate("utter_greet", tracker_in(LEICHTE_SPRACHE), "rest")
    assert edited["text"] == "Hallo.\nIch helfe Ihnen."
    assert await text(nlg, "utter_greet") == DOMAIN.responses["utter_greet"][0]["text"]


def test_an_answer_without_leicht_text_says_so_in_leichter_sprache():
    buttons = [{"title": "Projekte", "payload": "/ask_projects"}]
    standard = {
        "utter_bye": [{"text": "Auf Wiedersehen!", "buttons": buttons}],
        "utter_hi": [{"text": "Hallo!"}],
    }
    texts = {"utter_hi": "Hallo.", "utter_gone": "x"}
    leicht = in_variant(standard, texts, {}, NOT_YET_LEICHT)
    assert leicht["utter_bye"] == [
        {"text": f"Auf Wiedersehen!\n\n{NOT_YET_LEICHT}", "buttons": buttons}
    ]
    assert leicht["utter_hi"] == [{"text": "Hallo."}]
    assert "utter_gone" not in leicht


async def test_an_action_may_ask_for_the_usual_language_while_the_slot_says_leicht(
    nlg,
):
    answer = await nlg.generate(
        "utter_greet", tracker_in(LEICHTE_SPRACHE), "rest", sprache="standard"
    )
    assert answer["text"] == DOMAIN.responses["utter_greet"][0]["text"]


async def test_the_help_links_the_page_in_leichter_sprache(nlg):
    """BITV 2.0 §4: the explanations are reachable from "Was können Sie?"."""
    link = f"{get_settings().public_url}/leichte-sprache"
    assert link in await text(nlg, "utter_help")
    leicht = await nlg.generate(
        "utter_help", tracker(), "rest", sprache=LEICHTE_SPRACHE
    )
    assert link in leicht["text"] and "{" not in leicht["text"]


async def test_in_english_each_answer_has_its_english_text_and_button_titles(
    nlg, database_url
):
    """Issue 34: English texts and titles; the payloads stay."""
    shipped = variant_entries(ENGLISH)["utter_greet"]
    answer = await nlg.generate("utter_greet", tracker_in(ENGLISH), "rest")
    assert answer["text"] == shipped.text
    domain_buttons = DOMAIN.responses["utter_greet"][0]["buttons"]
    assert [b["title"] for b in answer["buttons"]] == list(shipped.buttons)
    assert [b["payload"] for b in answer["buttons"]] == [
        b["payload"] for b in domain_buttons
    ]
    in_transaction(
        database_url,
        lambda s: answers.edit(s, "utter_greet", ENGLISH, "Hi there!", "a"),
    )
    edited = await nlg.generate("utter_greet", tracker_in(ENGLISH), "rest")
    assert edited["text"] == "Hi there!"
    assert await text(nlg, "utter_greet") == DOMAIN.responses["utter_greet"][0]["text"]


def test_an_answer_without_english_text_says_so_in_english():
    standard = {"utter_hi": [{"text": "Hallo!", "buttons": [{"title": "Ja"}]}]}
    english = in_variant(standard, {}, {}, NOT_YET[ENGLISH])
    assert english["utter_hi"][0]["text"] == f"Hallo!\n\n{NOT_YET[ENGLISH]}"
    assert english["utter_hi"][0]["buttons"] == [{"title": "Ja"}]
