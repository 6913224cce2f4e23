"""Nothing a citizen wrote is thrown away by a guess.

Discarding a filled form or deleting data happens only on a clear request: a
button (or its typed label, which the gateway sends as the button's payload),
or a short message the classifier is sure about. "Absenden" was once read as
`cancel` with 0.54 and discarded a whole suggestion; a long message that
merely sounds like "stop" ("Stoppt den Ausbau der Straße", cancel 0.90) is
an idea, not a command. Anything less clear is asked about first.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.sdk.base import EventList

# Typed commands are short; a cancel of more words is more often a sentence
# with "stopp" or "nicht mehr" in it, and costs the citizen one more tap.
CLEAR_CONFIDENCE = 0.8
MAX_COMMAND_WORDS = 4
DISCARD_ASKED = "asked"
DISCARD_YES = "yes"


def latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "").strip()


def latest_intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def is_button(tracker: Tracker) -> bool:
    """A button's payload (or its typed label, resolved by the gateway)."""
    return latest_text(tracker).startswith("/")


def clearly(
    tracker: Tracker, *intents: str, max_words: int | None = MAX_COMMAND_WORDS
) -> bool:
    """Whether the latest message is, without doubt, one of `intents`.
    `max_words=None`: an answer to an explicit question may be a sentence."""
    name, confidence = latest_intent(tracker)
    if name not in intents:
        return False
    if is_button(tracker):
        return True
    words = latest_text(tracker).split()
    short = max_words is None or len(words) <= max_words
    return confidence >= CLEAR_CONFIDENCE and short


def unclear_cancel(tracker: Tracker) -> bool:
    """A message the classifier took for `cancel` that is not clearly one."""
    return latest_intent(tracker)[0] == "cancel" and not clearly(tracker, "cancel")


def answered_after_listen(tracker: Tracker) -> bool:
    """The form runs on the citizen's new message, not on its way back after
    a rule answered a question. (Rasa marks the form as executed in the
    tracker it sends to the validation action, so `latest_action_name` is
    the form's own name either way.)"""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in (
            tracker.active_loop_name,
            "action_listen",
            "action_extract_slots",
        ):
            return False
    return False


# Typed at the question "wirklich verwerfen?": go on with the form. "Absenden"
# reads as a yes to the classifier, but whoever types it wants to send.
KEEP_WORDS = {"weiter", "weitermachen", "behalten", "nicht verwerfen", "zurück",
              "doch nicht", "nein weiter", "absenden", "senden", "abschicken",
              "einreichen", "ja absenden", "ja einreichen"}  # fmt: skip


class ConfirmDiscard:
    """A mixin for a FormValidationAction: an unclear cancel while the form
    holds the citizen's words asks "wirklich verwerfen?" as a step of its own.

    The step's slot (`discard_slot`, listed last in the form's required slots
    in the domain) is "asked" while the question waits and "yes" once
    confirmed; "yes" ends the form, and the form's submit action then discards
    instead of storing. A clear cancel is left to the form's cancel rule.
    """

    discard_slot: str
    # Intents whose rules answer during this form: at the question they are
    # answered, and the question comes again.
    answered_elsewhere: frozenset[str] = frozenset()

    def has_content(self, tracker: Tracker) -> bool:
        raise NotImplementedError

    def answers_the_step(self, tracker: Tracker) -> bool:
        """Whether the message answers the step asked, whatever the classifier
        read in it; then it is no cancel."""
        return False

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        if answered_after_listen(tracker):
            if tracker.get_slot("requested_slot") == self.discard_slot:
                return await self._answer_discard(dispatcher, tracker, domain)
            if (
                unclear_cancel(tracker)
                and self.has_content(tracker)
                and not self.answers_the_step(tracker)
            ):
                return [
                    SlotSet(self.discard_slot, DISCARD_ASKED),
                    SlotSet("requested_slot", self.discard_slot),
                ]
        return await super().run(dispatcher, tracker, domain)  # type: ignore[misc]

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        slots = await super().required_slots(  # type: ignore[misc]
            domain_slots, dispatcher, tracker, domain
        )
        return [slot for slot in slots if slot != self.discard_slot]

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any] | None:
        state = tracker.get_slot(self.discard_slot)
        if state == DISCARD_ASKED:
            return SlotSet("requested_slot", self.discard_slot)
        if state == DISCARD_YES:
            return SlotSet("requested_slot", None)
        return await super().next_requested_slot(  # type: ignore[misc]
            dispatcher, tracker, domain
        )

    async def _answer_discard(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        if clearly(tracker, "cancel"):
            return []  # nothing validated: the form's cancel rule discards
        choice = next(tracker.get_latest_entity_values("choice"), None)
        typed = " ".join(latest_text(tracker).casefold().strip(" .!").split())
        if choice == "keep" or typed in KEEP_WORDS or clearly(tracker, "deny"):
            dispatcher.utter_message(response="utter_discard_kept")
            tracker.slots[self.discard_slot] = None
            step = await self.next_requested_slot(dispatcher, tracker, domain)
            return [SlotSet(self.discard_slot, None), *([step] if step else [])]
        if clearly(tracker, "affirm"):
            return [
                SlotSet(self.discard_slot, DISCARD_YES),
                SlotSet("requested_slot", None),
            ]
        if (
            not is_button(tracker)
            and latest_intent(tracker)[0] in self.answered_elsewhere
        ):
            return []  # a question: its rule answers, then the form asks again
        dispatcher.utter_message(response="utter_please_use_buttons")
        return [
            SlotSet(self.discard_slot, DISCARD_ASKED),
            SlotSet("requested_slot", self.discard_slot),
        ]


def discarded(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot(slot) == DISCARD_YES


def content_slots_filled(tracker: Tracker, slots: tuple[str, ...]) -> bool:
    values: list[Any] = [tracker.get_slot(slot) for slot in slots]
    return any(value not in (None, "") for value in values)
