"""The English texts (data/responses/english.yml, issue 34) keep what the
German ones promise: one for every answer and template, the same placeholders,
one title for each button, no German left in them."""

from __future__ import annotations

import re

import pytest

from core.responses import (
    ENGLISH,
    all_answers,
    placeholders,
    problems_of,
    variant_entries,
)

TEXTS = variant_entries(ENGLISH)
# Words that show a text was left in German (umlauts, ß, German quotes).
GERMAN = re.compile(r"[äöüÄÖÜß„]|\b(?:und|oder|nicht|Sie|Ihre?|bitte)\b")
# German names the English texts keep, with what surrounds them.
KEPT_NAMES = re.compile(
    r"Leichte[rn]? Sprache|„Deutsch“|Deutsch|Soll ich auf Englisch antworten\?"
    r"|Möchten Sie|Stadtbibliothek|MitWirkung|Bürger\w*|Grübentälchen|Lämmchesberg"
    r"|Straßenbeleuchtung|Rheinland-Pfalz|Kaiserslautern|Digitallotsen"
    r"|Beirat Digitalisierung|Referat Digitalisierung und Innovation"
)


def test_every_answer_has_an_english_text():
    assert set(TEXTS) == set(all_answers())


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_a_text_keeps_the_placeholders_buttons_and_rules(name):
    english, german = TEXTS[name], all_answers()[name]
    assert placeholders(english.text) == placeholders(german.text)
    assert problems_of(english.text, german.text) == []
    assert len(english.buttons) in (0, len(german.buttons))
    if german.buttons:
        assert len(english.buttons) == len(german.buttons), "a title per button"


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_a_text_is_english(name):
    text = KEPT_NAMES.sub("", TEXTS[name].text)
    assert not GERMAN.search(text), text
