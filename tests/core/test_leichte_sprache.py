"""The Leichte-Sprache checker (core/leichte_sprache.py) on good and bad
examples: each rule fires where it should and stays quiet where it should."""

from __future__ import annotations

import pytest

from core.leichte_sprache import check, figures, syllables

GOOD = (
    "Sie können einen Vorschlag machen.\n"
    "Schreiben Sie Ihre Idee in das Feld.\n"
    "Ihr Vorschlag bekommt eine Nummer: {reference}.\n"
    "Die Bürger·beteiligung ist wichtig.\n"
    "Am Montag, 7. Dezember 2026, um 10 Uhr gibt es 3 Termine."
)


def rules(text: str, known: frozenset[str] = frozenset()) -> list[str]:
    return [finding.rule for finding in check(text, known)]


def test_a_good_text_has_no_findings():
    assert check(GOOD) == []


@pytest.mark.parametrize(
    "text, rule",
    [
        (
            "Sie können hier zu jeder Zeit und an jedem Ort der Stadt "
            "einen neuen Vorschlag für uns machen.",
            "sentence",
        ),
        ("Sie können z. B. ein Foto schicken.", "abbreviation"),
        ("Das geht bzw. ging früher nicht.", "abbreviation"),
        ("Das würde ich gern machen.", "konjunktiv"),
        ("Sie könnten uns schreiben.", "konjunktiv"),
        ("Es gibt drei Termine.", "number"),
        ("Die Bürgerbeteiligung ist wichtig.", "compound"),
        ("Das ist (fast) fertig.", "parentheses"),
        ("Es geht um mehr Resilienz.", "rare"),
    ],
)
def test_each_rule_finds_what_breaks_it(text, rule):
    assert rule in rules(text)


def test_a_rare_word_explained_in_the_next_sentence_is_fine():
    assert "rare" not in rules(
        "Es geht um mehr Resilienz.\nDas heißt: Die Stadt hält viel aus."
    )
    assert rules("Wir speichern nichts.\nIch speichere nichts.") == []


def test_long_words_of_their_own_and_verbs_are_no_compounds():
    assert rules("Wir zeigen Veranstaltungen zur Digitalisierung.") == []
    assert rules("Sie können Ideen unterstützen.") == []
    assert syllables("Bürgerbeteiligung") == 6


def test_known_names_need_no_explanation():
    text = "Das Amt hatte Professor Steinebach."
    assert "rare" in rules(text)
    assert rules(text, frozenset({"Steinebach"})) == []


def test_the_messages_are_german_and_name_the_place():
    (finding,) = check("Das würde gehen.")
    assert finding.message == "Konjunktiv „würde“: bitte direkt sagen"


def test_figures_report_the_median_and_the_longest_sentence():
    found = figures([GOOD, "Ein Satz."])
    # The reference after the colon counts as a sentence of one word.
    assert (found.sentences, found.longest_words) == (7, 12)
    assert found.median_words == 5
    assert 0 < found.wiener_sachtextformel < 10


def test_links_and_addresses_are_no_words():
    assert rules("Schreiben Sie an: datenschutz@example.org") == []
    assert (
        rules("Mehr steht im Internet: https://www.example.org/quarzsandstrahl") == []
    )
