"""The live chat's own words (bot/shared/live_chat.py): leaving it in the
citizen's words, and its texts in the chat's language (issue 34)."""

from __future__ import annotations

import pytest

from bot.shared.live_chat import (
    BACK_TEXT,
    IN_ENGLISH,
    REPLY_PREFIX,
    STAFF_ENDED_TEXT,
    TAKEN_TEXT,
    in_language,
    wants_assistant,
)


@pytest.mark.parametrize(
    "text",
    [
        "zurück zum Assistenten",
        "Bitte zurück zum Bot",
        "/assistent",
        "back to the assistant",
        "Back to the assistant, please",
        "end live chat",
        "please go back to the bot",
    ],
)
def test_words_that_end_the_live_chat(text):
    assert wants_assistant(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ich will zurück zum Park",
        "I want to go back to the park",
        "The assistant was wrong about the back entrance",
    ],
)
def test_words_for_the_team(text):
    assert not wants_assistant(text)


def test_each_text_of_the_live_chat_in_english():
    assert set(IN_ENGLISH) == {BACK_TEXT, STAFF_ENDED_TEXT, TAKEN_TEXT, REPLY_PREFIX}
    assert in_language(TAKEN_TEXT, "en") == IN_ENGLISH[TAKEN_TEXT]
    assert in_language(TAKEN_TEXT, None) == TAKEN_TEXT
    assert in_language(TAKEN_TEXT, "leicht") == TAKEN_TEXT
