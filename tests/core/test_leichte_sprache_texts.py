"""The Leichte-Sprache texts written for this project (data/responses/
leichte-sprache.yml, issue 33.2) keep what the standard texts promise: one for
every response, the same placeholders, short sentences, no abbreviations."""

from __future__ import annotations

import re
from statistics import median

import pytest
import yaml

from core.leichte_sprache import check, figures
from core.responses import all_answers, leicht_names, placeholders, problems_of
from core.settings import PROJECT_ROOT

TEXTS = yaml.safe_load(
    (PROJECT_ROOT / "data" / "responses" / "leichte-sprache.yml").read_text("utf-8")
)["responses"]
ABBREVIATIONS = re.compile(r"\b(z\. ?B|bzw|ca|usw|d\. ?h|ggf|etc|u\. ?a|evtl|inkl)\.")
# A sentence ends at . ! ? before a space or a line end, not in "4. April".
SENTENCE_END = re.compile(r"(?<!\d)[.!?]+(?=\s|$)|\n")
MAX_WORDS = 12


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s and s.strip()]


def test_every_response_has_a_leichte_sprache_text():
    assert set(TEXTS) == set(all_answers())


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_a_text_keeps_the_placeholders_and_the_rules(name):
    text, standard = TEXTS[name], all_answers()[name].text
    assert placeholders(text) == placeholders(standard)
    assert problems_of(text, standard) == []
    assert not ABBREVIATIONS.search(text), "no abbreviations"
    assert not re.search(r"[();%]", text), "no parentheses, semicolons or %"
    too_long = [s for s in sentences(text) if len(s.split()) > MAX_WORDS]
    assert not too_long, too_long


def test_the_sentences_are_short_on_the_whole():
    lengths = [len(s.split()) for t in TEXTS.values() for s in sentences(t)]
    assert median(lengths) <= 8


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_the_checker_finds_nothing_in_a_shipped_text(name):
    assert [str(f) for f in check(TEXTS[name], leicht_names())] == []


def test_the_checker_tells_the_standard_texts_apart():
    """It is no rubber stamp: many standard texts break a rule."""
    flagged = [a for a in all_answers().values() if check(a.text, leicht_names())]
    assert len(flagged) > len(all_answers()) / 4
    leicht, standard = figures(list(TEXTS.values())), figures(
        [a.text for a in all_answers().values()]
    )
    assert leicht.longest_words <= 12 < standard.longest_words
