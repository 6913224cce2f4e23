"""The shipped answers and the rules of an edit (core/responses.py)."""

from __future__ import annotations

import pytest

from core.responses import (
    MAX_TEXT,
    domain_responses,
    group_of,
    placeholders,
    problems_of,
    usages,
)


def test_every_response_of_the_domain_is_read_with_its_buttons():
    shipped = domain_responses()
    assert len(shipped) >= 100
    assert shipped["utter_faq/cdo"].text
    assert any(answer.buttons for answer in shipped.values())


def test_placeholders_are_the_fields_rasa_fills():
    assert placeholders("Ihr Vorschlag {reference} hat {count} Stimmen.") == {
        "reference",
        "count",
    }
    assert placeholders("Kein Platzhalter") == set()
    assert placeholders("kaputt { offen") == set()


@pytest.mark.parametrize(
    "text, problem",
    [
        ("", "leer"),
        ("   ", "leer"),
        ("x" * (MAX_TEXT + 1), "Zeichen lang"),
        ("Hallo <b>Welt</b>", "ohne Auszeichnungen"),
        ("<script>alert(1)</script>", "ohne Auszeichnungen"),
        ("Das ist **wichtig**", "ohne Auszeichnungen"),
        ("Mehr [hier](https://example.org)", "ohne Auszeichnungen"),
        ("Ihr Vorschlag ist gespeichert.", "Platzhalter {reference} fehlt"),
        ("Vorschlag {reference} von {name}", "{name} kennt diese Antwort nicht"),
    ],
)
def test_an_edit_that_breaks_a_rule_is_named(text, problem):
    problems = problems_of(text, "Ihr Vorschlag {reference} ist gespeichert.")
    assert any(problem in p for p in problems), problems


def test_a_good_edit_has_no_problems():
    default = "Ihr Vorschlag {reference} ist gespeichert."
    assert problems_of("Danke! Vorschlag {reference} ist da. 3 < 4", default) == []
    assert problems_of(default, default) == []


def test_each_answer_says_where_it_is_used_and_which_group_it_belongs_to():
    used = usages()
    assert any(place.startswith("data/") for place in used["utter_greet"])
    assert used["utter_faq/cdo"], "an FAQ answer is used by its NLU data"
    assert group_of("utter_faq/cdo") == "Häufige Fragen"
    assert group_of("utter_ask_callback_text") == "Rückruf und Nachricht an das Team"
    assert group_of("utter_greet") == "Gespräch"
