"""The conversation's language: Leichte Sprache (issue 33.2) and English
(issue 34) besides standard German.

The slot `sprache` holds it until the citizen switches again, also across a
new session (actions/sdk/session_actions.py). Rasa's NLG (bot/plugins/nlg.py)
renders every answer in it; these actions only switch, and on switching say
the last answer again in the new language.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SlotSet, UserUttered
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.sdk.base import EventList
from core.protocol import (
    ENGLISH,
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
    "utter_english_an",
    "utter_english_nochmal",
    "utter_deutsch",
    "utter_offer_english",
}
OFFER_ACTION = "action_offer_english"  # as in bot/plugins/language_offer.py
OFFERED_SLOT = "englisch_angeboten"
LISTEN = "action_listen"


def is_first_message(tracker: Tracker) -> bool:
    return sum(1 for e in tracker.events if e.get("event") == "user") <= 1


def waiting_message(tracker: Tracker) -> dict | None:
    """The message the assistant asked about the language for, if the
    citizen's last message answers that question: it is answered now."""
    users, offered = 0, False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                return event if offered else None
        elif event.get("event") == "action" and users == 1:
            offered = offered or event.get("name") == OFFER_ACTION
    return None


def answered_again(message: dict) -> EventList:
    """Events that put `message` back as the citizen's latest: Rasa then
    answers it in the language just chosen."""
    return [
        ActionExecuted(LISTEN),
        UserUttered(
            message.get("text"),
            parse_data=message.get("parse_data"),
            input_channel=message.get("input_channel"),
        ),
    ]


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


class SwitchLanguage(Action, ABC):
    """Switches to `language`, says so in it, and says the last answer again."""

    language: str
    switched: str  # the response that says so
    ask_again: str  # when the last answer was computed and cannot be repeated

    @abstractmethod
    def name(self) -> str:
        ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        # The slot is set by the events returned here, after these messages
        # are rendered: so each one asks for the language itself.
        language = self.language
        dispatcher.utter_message(response=self.switched, sprache=language)
        dispatcher.utter_message(json_message={LANGUAGE_MARKER: language})
        waiting = waiting_message(tracker)
        if waiting is not None:
            return [SlotSet(LANGUAGE_SLOT, language), *answered_again(waiting)]
        if is_first_message(tracker):
            # The widget's browser language or Telegram's app language chose
            # it before anything was said: greet in it.
            dispatcher.utter_message(response="utter_greet", sprache=language)
        elif not (tracker.active_loop or {}).get("name"):  # a form asks again
            names, computed = last_answer(tracker)
            for name in names:
                dispatcher.utter_message(response=name, sprache=language)
            if computed and not names:
                dispatcher.utter_message(response=self.ask_again, sprache=language)
        return [SlotSet(LANGUAGE_SLOT, language)]


class ActionLeichteSprache(SwitchLanguage):
    language = LEICHTE_SPRACHE
    switched = "utter_leichte_sprache_an"
    ask_again = "utter_leichte_sprache_nochmal"

    def name(self) -> str:
        return "action_leichte_sprache"


class ActionEnglish(SwitchLanguage):
    language = ENGLISH
    switched = "utter_english_an"
    ask_again = "utter_english_nochmal"

    def name(self) -> str:
        return "action_english"


class ActionStandardSprache(Action):
    def name(self) -> str:
        return "action_standard_sprache"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        # Rendered before the slot changes: in the usual language already.
        # From English, the answer says "German" rather than "usual language".
        waiting = waiting_message(tracker)
        to_german = waiting is not None or tracker.get_slot(LANGUAGE_SLOT) == ENGLISH
        response = "utter_deutsch" if to_german else "utter_standard_sprache"
        dispatcher.utter_message(response=response, sprache=STANDARD_SPRACHE)
        dispatcher.utter_message(json_message={LANGUAGE_MARKER: STANDARD_SPRACHE})
        if waiting is not None:
            return [SlotSet(LANGUAGE_SLOT, None), *answered_again(waiting)]
        return [SlotSet(LANGUAGE_SLOT, None)]


class ActionOfferEnglish(Action):
    """Asks, once, whether to go on in English (bot/plugins/language_offer.py)."""

    def name(self) -> str:
        return OFFER_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        dispatcher.utter_message(response="utter_offer_english", sprache=ENGLISH)
        return [SlotSet(OFFERED_SLOT, True)]
