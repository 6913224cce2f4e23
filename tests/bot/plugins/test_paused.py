"""While a person from the team has the conversation, Rasa fills no slots
from the citizen's words (bot/plugins/paused.py)."""

from __future__ import annotations

from rasa.shared.core.events import ConversationPaused, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.plugins import paused


async def test_a_paused_conversation_skips_slot_extraction(monkeypatch):
    calls = []

    async def extract(self, output_channel, tracker):
        calls.append(tracker.sender_id)
        return tracker

    monkeypatch.setattr(paused, "_original", extract)
    message = UserUttered("ich wohne in der Innenstadt")
    live = DialogueStateTracker.from_events("live", [ConversationPaused(), message])
    assistant = DialogueStateTracker.from_events("assistant", [message])

    assert await paused.extract_unless_paused(None, None, live) is live
    assert await paused.extract_unless_paused(None, None, assistant) is assistant
    assert calls == ["assistant"]
