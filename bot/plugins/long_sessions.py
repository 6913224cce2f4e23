"""A conversation's session ends after SESSION_MAX_TURNS messages, too.

Rasa reads and deserialises every event of the current session on each turn,
sends them all to the action server with every custom action, and the rule
and memoization policies rebuild the states of the whole session: a turn's
cost grows with the session's length (docs/performance.md). A session ends
only after an hour of silence, so a script writing at the widget's pace made
one conversation cost seconds per turn, on the worker that serves everyone.

Here a session that holds SESSION_MAX_TURNS messages also counts as expired.
Rasa then runs `action_session_start`, which sees the `session_continued`
slot and carries over what the dialogue needs (slots, an open form, the last
turn's actions: actions/sdk/session_actions.py). A citizen does not notice.
bot/plugins/rasa_patches.py applies it.
"""

from __future__ import annotations

from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from core.settings import get_settings

CONTINUED_SLOT = "session_continued"

_original = MessageProcessor._has_session_expired


def messages_in_session(tracker: DialogueStateTracker) -> int:
    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        count += isinstance(event, UserUttered)
    return count


def expired_or_too_long(self: MessageProcessor, tracker: DialogueStateTracker):
    if _original(self, tracker):
        return True
    if messages_in_session(tracker) < get_settings().session_max_turns:
        return False
    # Rasa runs action_session_start right after this answer.
    tracker.update(SlotSet(CONTINUED_SLOT, True), self.domain)
    return True
