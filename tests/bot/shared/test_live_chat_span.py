"""bot/shared/live_chat.py: the part of a transcript that staff read."""

from __future__ import annotations

from bot.shared.live_chat import LEAD_IN_MESSAGES, live_chat_span
from core.protocol import LIVE_CHAT_MARKER

HANDOFF = {"event": "bot", "data": {"custom": {LIVE_CHAT_MARKER: "started"}}}


def said(who: str, text: str) -> dict:
    return {"event": who, "text": text}


def test_the_span_starts_a_few_messages_before_the_latest_handoff():
    history = [said("user", f"alt {n}") for n in range(20)]
    earlier_chat = [said("user", "Mensch bitte"), HANDOFF, said("user", "Hallo Team")]
    lead_in = [said("user", f"neu {n}") for n in range(LEAD_IN_MESSAGES)]
    chat = [HANDOFF, said("user", "Wer hilft mir?"), said("bot", "Ich bin Anna.")]
    span = live_chat_span(history + earlier_chat + lead_in + chat)
    assert span == lead_in + chat


def test_a_short_history_is_shown_whole_and_no_handoff_shows_nothing():
    short = [said("user", "Hallo"), HANDOFF, said("user", "Frage")]
    assert live_chat_span(short) == short
    assert live_chat_span([said("user", "Hallo")]) == []
