"""A paused conversation keeps its slots.

During a live chat Rasa is paused (ConversationPaused) but still runs
`action_extract_slots` on every message, so words written to a person from the
team ("ich wohne in der Innenstadt") would silently fill the `district` or
`project` slot that the assistant uses after the handoff. This skips the
extraction while the conversation is paused; the message itself is still
logged, and once Rasa is resumed slots fill as before.
bot/plugins/rasa_patches.py applies it.
"""

from __future__ import annotations

from rasa.core.processor import MessageProcessor

_original = MessageProcessor.run_action_extract_slots


async def extract_unless_paused(self, output_channel, tracker):
    if tracker.is_paused():
        return tracker
    return await _original(self, output_channel, tracker)
