"""Leichte Sprache as a mode of the conversation (issue 33.2).

The slot `sprache` holds it until the citizen switches it off, also across a
new session (actions/sdk/session_actions.py). Rasa's NLG (bot/plugins/nlg.py)
renders every answer in it; these actions only switch, and on switching on
say the last answer again in Leichter Sprache.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.sdk.base import EventList
from core.protocol import (
    LANGUAGE_MARKER,
    LANGUAGE_SLOT,
    LEICHTE_SPRACHE,
    STANDARD_SPRACHE,
)

# Said again: not the answers about the switch itself (the responses below
# are named as literals, so tests/test_rasa_project.py finds them).
NOT_REPEATED = {
    "utter_leichte_sprache_an",
    "utter_standard_sprache",
    "utter_leichte_sprache_nochmal",
}


def last_answer(tracker: Tracker) -> tuple[list[str], bool]:
    """The responses that answered the message before this one, in order, and
    whether that answer also had text of its own (computed by an action),
    which cannot be said again by name."""
    names: list[str] = []
    computed = False
    users_seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen == 2:
                break
        elif users_seen == 1 and event.get("event") == "bot":
            name = (event.get("metadata") or {}).get("utter_action")
            if isinstance(name, str) and name.startswith("utter_"):
                if name not in NOT_REPEATED:
                    names.append(name)
            elif event.get("text"):
                computed = True
    return names[::-1], computed


class ActionLeichteSprache(Action):
    def name(self) -> str:
        return "action_leichte_sprache"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        # The slot is set by the events returned here, after these messages
        # are rendered: so each one asks for Leichte Sprache itself.
        dispatcher.utter_message(
            response="utter_leichte_sprache_an", sprache=LEICHTE_SPRACHE
        )
        if not (tracker.active_loop or {}).get("name"):  # a form asks again anyway
            names, computed = last_answer(tracker)
            for name in names:
                dispatcher.utter_message(response=name, sprache=LEICHTE_SPRACHE)
            if computed and not names:
                dispatcher.utter_message(
                    response="utter_leichte_sprache_nochmal", sprache=LEICHTE_SPRACHE
                )
        dispatcher.utter_message(json_message={LANGUAGE_MARKER: LEICHTE_SPRACHE})
        return [SlotSet(LANGUAGE_SLOT, LEICHTE_SPRACHE)]


class ActionStandardSprache(Action):
    def name(self) -> str:
        return "action_standard_sprache"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        # Rendered before the slot changes: in the usual language already.
        dispatcher.utter_message(
            response="utter_standard_sprache", sprache=STANDARD_SPRACHE
        )
        dispatcher.utter_message(json_message={LANGUAGE_MARKER: STANDARD_SPRACHE})
        return [SlotSet(LANGUAGE_SLOT, None)]
