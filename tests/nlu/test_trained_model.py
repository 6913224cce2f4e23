"""The trained model understands the key German sentences (in-process parse)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.model


def entities_of(parsed: dict) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for item in parsed["entities"]:
        found.setdefault(item["entity"], set()).add(item["value"])
    return found


@pytest.mark.parametrize(
    ("text", "intent", "entities"),
    [
        (
            "Was ist die Mitmachplattform?",
            "ask_project_info",
            {"project": {"KL MitWirkung"}},
        ),
        (
            "Welche Projekte gibt es zum Thema Mobilität?",
            "ask_projects",
            {"topic": {"Mobilität"}},
        ),
        ("Welche Veranstaltungen gibt es demnächst?", "ask_events", {}),
        (
            "Wie ist der Stand von V-7KQ2-M9XD?",
            "ask_suggestion_status",
            {"reference": {"V-7KQ2-M9XD"}},
        ),
        ("Wer ist die Chief Digital Officer von Kaiserslautern?", "faq", {}),
        ("Ich möchte einen Vorschlag machen", "submit_suggestion", {}),
        ("Wie wird das Wetter morgen?", "out_of_scope", {}),
        (
            "Infos zum 3D-Stadtmodell",
            "ask_project_info",
            {"project": {"Digitaler Zwilling"}},
        ),
        (
            "wie weit ist das mit dem digitalen Zwilling",
            "ask_project_info",
            {"project": {"Digitaler Zwilling"}},
        ),
        ("bist du ne KI", "bot_challenge", {}),
        ("Lösche meine Erinnerung", "out_of_scope", {}),
        ("Was läuft heute im Kino?", "out_of_scope", {}),
        ("Termine?", "ask_events", {}),
        ("Kontakt", "ask_contact", {}),
    ],
)
async def test_parse(agent, text, intent, entities):
    parsed = await agent.parse_message(text)
    assert parsed["intent"]["name"] == intent, parsed["intent"]
    found = entities_of(parsed)
    for name, values in entities.items():
        assert values <= found.get(name, set()), parsed["entities"]


async def test_time_comes_in_duckling_shape(agent):
    parsed = await agent.parse_message("Was ist am Wochenende los?")
    assert parsed["intent"]["name"] == "ask_events"
    (time,) = [e for e in parsed["entities"] if e["entity"] == "time"]
    assert set(time["value"]) == {"from", "to"}
    assert time["extractor"] == "GermanTimeExtractor"
    assert "Was ist am Wochenende los?"[time["start"] : time["end"]] == "Wochenende"


async def test_ordinary_words_are_no_project(agent):
    parsed = await agent.parse_message("Meine Idee: eine Bank im Park 3 mit Schatten")
    assert [e for e in parsed["entities"] if e["entity"] == "project"] == []


async def test_faq_selects_the_cdo_answer(agent):
    parsed = await agent.parse_message(
        "Wer ist die Chief Digital Officer von Kaiserslautern?"
    )
    selected = parsed["response_selector"]["faq"]["response"]
    assert selected["intent_response_key"] == "faq/cdo"
