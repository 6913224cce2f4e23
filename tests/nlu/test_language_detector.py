"""When a message is English enough to ask whether to go on in English
(nlu/language_detector.py, bot/plugins/language_offer.py; issue 34).

Measured on every German and English sentence the project has: the
thresholds must never take German for English, and must catch most English.
`python -m tests.nlu.language_sweep` prints the whole table.
"""

from __future__ import annotations

from bot.plugins.language_offer import LanguageOfferPolicy, surely_english
from nlu.language_detector import detect
from tests.nlu.language_sweep import english_texts, german_texts

CONFIG = LanguageOfferPolicy.get_default_config()


def asked(texts: list[str]) -> list[str]:
    return [t for t in texts if surely_english(t, detect(t) or {}, CONFIG)]


def test_no_german_sentence_is_taken_for_english():
    german = german_texts()
    assert len(german) > 2500
    assert asked(german) == []


def test_most_english_sentences_of_three_words_or_more_are_asked_about():
    english = [t for t in english_texts() if len(t.split()) >= 3]
    assert len(english) > 300
    assert len(asked(english)) / len(english) >= 0.70  # measured: 0.749


def test_buttons_and_texts_without_letters_have_no_language():
    assert detect("/english") is None
    assert detect("12345 !!!") is None
    assert detect("x" * 100_000)["name"] in ("de", "en")  # long texts are cut
