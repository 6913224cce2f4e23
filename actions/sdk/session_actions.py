"""A new session of a conversation: after an hour of silence, or after
SESSION_MAX_TURNS messages (bot/plugins/long_sessions.py).

After silence the citizen starts afresh (`carry_over_slots_to_new_session:
false`), except for the language they chose (Leichte Sprache, English) and whether
they were asked about English. After many messages the conversation simply goes on: the new session
keeps the slots, an open form and the actions of the last turn, so that an
answer to the last question ("ja" to "Möchten Sie die Idee einreichen?") means
what it meant. Either way an open live chat keeps the conversation paused.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    SessionStarted,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.db import live
from actions.sdk.base import EventList, database
from core.protocol import LANGUAGE_SLOT

logger = logging.getLogger(__name__)

CONTINUED_SLOT = "session_continued"  # set by bot/plugins/long_sessions.py
# Asked once whether to go on in English: also after an hour of silence.
OFFERED_SLOT = "englisch_angeboten"
LISTEN = "action_listen"


def carried_slots(tracker: Tracker, domain: DomainDict) -> EventList:
    events: EventList = []
    for name, value in tracker.slots.items():
        definition = domain.get("slots", {}).get(name, {})
        if name == CONTINUED_SLOT or value == definition.get("initial_value"):
            continue
        events.append(SlotSet(name, value))
    return events


def last_turn_actions(tracker: Tracker) -> list[str]:
    """The actions that answered the last message, in order."""
    actions: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        name = event.get("name")
        if event.get("event") == "action" and name and name != LISTEN:
            actions.append(name)
    return actions[::-1]


def continued(tracker: Tracker, domain: DomainDict) -> EventList:
    """What the dialogue needs of the session that grew too long."""
    events = carried_slots(tracker, domain)
    loop = (tracker.active_loop or {}).get("name")
    if loop:
        events.append(ActiveLoop(loop))
    events.extend(ActionExecuted(name) for name in last_turn_actions(tracker))
    return events


async def live_chat_open(sender: str) -> bool:
    try:
        return await database().run(
            lambda s: live.open_for(s, sender) is not None, read_only=True
        )
    except SQLAlchemyError:
        # The gateway cannot read the live chat either and says the
        # assistant is unavailable, so nothing reaches the bot unseen.
        logger.exception("live chat state unknown at session start")
        return False


class ActionSessionStart(Action):
    """Rasa's session start, which would also un-pause the conversation: a
    citizen who waited an hour for the team would be answered by the bot again
    (and "löschen" + "ja" would delete), while the channels throw its replies
    away."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> EventList:
        events: list[Any] = [SessionStarted()]
        if tracker.get_slot(CONTINUED_SLOT):
            events.extend(continued(tracker, domain))
        else:
            events.extend(
                SlotSet(name, tracker.get_slot(name))
                for name in (LANGUAGE_SLOT, OFFERED_SLOT)
                if tracker.get_slot(name)
            )
        if await live_chat_open(tracker.sender_id):
            events.append(ConversationPaused())
        return [*events, ActionExecuted(LISTEN)]
