"""A person from the team: a live chat when someone is there and the office is
open, else a message the team answers later (a callback request)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import (
    ActiveLoop,
    ConversationPaused,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.db import callbacks, live
from actions.sdk.base import (
    EventList,
    address_key_of,
    channel_of,
    database,
    sender_key,
)
from actions.sdk.clear_requests import (
    ConfirmDiscard,
    clearly,
    content_slots_filled,
    discarded,
)
from actions.sdk.suggestion_actions import reset_form
from actions.sdk.wording import Wording, current_wording, language_of
from core.content import Contact, ContentError, load_contact
from core.protocol import ENGLISH, LIVE_CHAT_MARKER
from core.responses import LEICHT, STANDARD
from core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

# Channels that can receive a person's replies; the bare REST API cannot.
LIVE_CHANNELS = frozenset({"web", "telegram"})


def team_button(possible: bool, say: Wording) -> dict[str, str]:
    """Chat with a person now, or leave the team a message."""
    if possible:
        return {"title": say("tpl_button_talk_to_person"), "payload": "/request_human"}
    return {"title": say("tpl_button_leave_message"), "payload": "/leave_message"}


CALLBACK_SLOTS = ("callback_text", "callback_contact", "callback_discard")
MIN_TEXT, MAX_TEXT, MAX_CONTACT = 5, 2000, 200


@dataclass(frozen=True)
class LiveState:
    """Whether a person can chat now, and if not, why (a template of
    actions/sdk/wording.py and its values)."""

    possible: bool
    reason: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    # Values that are words of a language (when the office opens again, the
    # holiday's name), by the variant of actions.sdk.wording.
    worded: dict[str, dict[str, Any]] = field(default_factory=dict)

    def why_not(self, say: Wording) -> str:
        if self.reason is None:
            return ""
        return say(self.reason, **self.values, **self.worded.get(say.variant, {}))


def live_state(
    contact: Contact, settings: Settings, someone: bool, queue_full: bool = False
) -> LiveState:
    hours = contact.office_hours(settings.timezone)
    now = settings.now()
    if hours.is_open(now) and someone and not queue_full:
        return LiveState(True)
    if hours.is_open(now) and someone:
        return LiveState(False, "tpl_live_queue_full")
    if hours.is_open(now):
        return LiveState(False, "tpl_live_nobody")
    today = now.astimezone(settings.tz).date()
    holiday = hours.holiday(today)
    worded = {
        STANDARD: {"opening": hours.describe_next(now), "holiday": holiday},
        LEICHT: {"opening": hours.describe_next(now, plain=True), "holiday": holiday},
        ENGLISH: {
            "opening": hours.describe_next(now, english=True),
            "holiday": hours.holiday(today, ENGLISH),
        },
    }
    return LiveState(
        False,
        "tpl_live_closed_holiday" if holiday else "tpl_live_closed",
        {"hours": contact.hours_text or None},
        worded,
    )


async def current_live_state(
    contact: Contact, sender: str | None = None, address_key: str | None = None
) -> LiveState:
    settings = get_settings()
    idle = timedelta(minutes=settings.staff_idle_minutes)

    def read(session) -> tuple[bool, bool]:
        someone = live.anyone_available(session, now=settings.now(), idle=idle)
        # Fresh sessions cost nothing: without a bound, one script could fill
        # the staff's queue. A citizen already waiting keeps their place.
        if sender is not None and live.open_for(session, sender) is not None:
            return someone, False
        # Beyond these, citizens are offered to leave a message.
        full = live.waiting_count(session) >= settings.live_max_waiting or (
            address_key is not None
            and live.waiting_count(session, address_key)
            >= settings.live_waiting_per_address
        )
        return someone, full

    someone, full = await database().run(read, read_only=True)
    return live_state(contact, settings, someone, full)


def in_private_chat(tracker: Tracker) -> bool:
    """Whether only the citizen reads this chat: a Telegram group is not (the
    bridge sends `chat_type`), and the team's replies would reach everyone."""
    metadata = tracker.latest_message.get("metadata") or {}
    chat_type = metadata.get("chat_type") if isinstance(metadata, dict) else None
    return chat_type in (None, "private")


def team_can_reply(tracker: Tracker) -> bool:
    """Whether a person's replies reach this citizen alone."""
    return channel_of(tracker) in LIVE_CHANNELS and in_private_chat(tracker)


def contact_or_apology(dispatcher: CollectingDispatcher) -> Contact | None:
    """contact.yml, or an apology to the citizen when it cannot be read."""
    try:
        return load_contact(get_settings().content_dir)
    except ContentError:
        logger.exception("contact data cannot be read")
        dispatcher.utter_message(response="utter_service_unavailable")
        return None


class ActionRequestHuman(Action):
    """ "Ich möchte mit einem Menschen sprechen": a live chat, or a message."""

    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        contact = contact_or_apology(dispatcher)
        if contact is None:
            return []
        channel = channel_of(tracker)
        in_form = tracker.active_loop_name is not None
        if channel in LIVE_CHANNELS and not in_private_chat(tracker):
            say = await current_wording(tracker)
            dispatcher.utter_message(text=say("tpl_live_only_in_private"))
            return []
        try:
            state = await current_live_state(
                contact, tracker.sender_id, address_key_of(tracker)
            )
            if state.possible and channel in LIVE_CHANNELS:
                return await self._hand_off(dispatcher, tracker, channel, in_form)
        except SQLAlchemyError:
            logger.exception("live chat: database unavailable")
            dispatcher.utter_message(response="utter_db_unavailable")
            return []
        if channel not in LIVE_CHANNELS:
            dispatcher.utter_message(response="utter_live_chat_not_here")
            return []
        say = await current_wording(tracker)
        why_not = state.why_not(say)
        if in_form:
            # A second form cannot start inside this one; the form goes on.
            dispatcher.utter_message(text=say("tpl_live_form_goes_on", why_not=why_not))
            return []
        dispatcher.utter_message(
            text=say("tpl_live_leave_message", why_not=why_not),
            buttons=[
                team_button(False, say),
                {"title": say("tpl_button_contact"), "payload": "/ask_contact"},
            ],
        )
        return []

    async def _hand_off(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        channel: str,
        in_form: bool,
    ) -> EventList:
        settings = get_settings()
        sender = tracker.sender_id
        key = sender_key(sender)
        address = address_key_of(tracker)

        language = language_of(tracker)

        def start(session) -> None:
            live.start(session, sender_id=sender, sender_key=key, channel=channel,
                       now=settings.now(), address_key=address,
                       language=language)  # fmt: skip

        await database().run(start)
        say = await current_wording(tracker)
        started = "tpl_handoff_started_form_left" if in_form else "tpl_handoff_started"
        dispatcher.utter_message(text=say(started))
        # Tells our channels that a person now has the conversation.
        dispatcher.utter_message(json_message={LIVE_CHAT_MARKER: "started"})
        events: EventList = []
        if in_form:
            events += [ActiveLoop(None), *reset_form()]
        return [*events, ConversationPaused()]


class ActionFallback(Action):
    """Not understood: the help menu, and the second time in a row a person."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        if not _second_in_a_row(tracker) or not team_can_reply(tracker):
            dispatcher.utter_message(response="utter_fallback")
            return []
        try:
            contact = load_contact(get_settings().content_dir)
            state = await current_live_state(contact, tracker.sender_id)
        except (ContentError, SQLAlchemyError):
            logger.exception("fallback: cannot tell whether a person is there")
            dispatcher.utter_message(response="utter_fallback")
            return []
        say = await current_wording(tracker)
        dispatcher.utter_message(
            response="utter_fallback_again", buttons=[team_button(state.possible, say)]
        )
        return []


def _second_in_a_row(tracker: Tracker) -> bool:
    """Whether the citizen's message before this one was not understood either."""
    intents = [
        (event.get("parse_data") or {}).get("intent", {}).get("name")
        for event in reversed(tracker.events)
        if event.get("event") == "user"
    ]
    return len(intents) >= 2 and intents[1] == "nlu_fallback"


def contact_buttons(
    state: LiveState, tracker: Tracker, say: Wording
) -> list[dict[str, str]]:
    """What the contact answer offers besides e-mail and phone."""
    if not team_can_reply(tracker):
        return []
    return [team_button(state.possible, say)]


# At the contact step, a word that is neither a number nor an address: the
# citizen wants no contact beside the chat ("weiter", "fertig", "Absenden").
NO_CONTACT_WORDS = {"weiter", "fertig", "absenden", "senden", "ohne", "keine",
                    "nur hier", "nur im chat", "überspringen", "no", "none", "skip",
                    "continue", "done", "send", "only here", "just here",
                    "only in the chat", "no thanks"}  # fmt: skip
CONTACT = re.compile(r"\d|@")
LEAVE_THE_FORM = {"request_data_deletion", "clear_conversation"}


def callback_step_answer(tracker: Tracker, slot: str) -> str | None:
    """The latest message as the answer to `slot`, unless it clearly cancels."""
    if tracker.active_loop_name != "callback_form":
        return None
    if tracker.get_slot("requested_slot") != slot or clearly(tracker, "cancel"):
        return None
    if clearly(tracker, *LEAVE_THE_FORM):
        return None  # "Meine Daten löschen": its rule leaves the form first
    return str(tracker.latest_message.get("text") or "")


class ValidateCallbackForm(ConfirmDiscard, FormValidationAction):
    discard_slot = "callback_discard"

    def name(self) -> str:
        return "validate_callback_form"

    def has_content(self, tracker: Tracker) -> bool:
        return content_slots_filled(tracker, ("callback_text",))

    async def extract_callback_text(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = callback_step_answer(tracker, "callback_text")
        return {} if answer is None else {"callback_text": answer}

    async def extract_callback_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = callback_step_answer(tracker, "callback_contact")
        return {} if answer is None else {"callback_contact": answer}

    async def validate_callback_text(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain
    ) -> dict[str, Any]:
        text = " ".join(str(value or "").split())
        # One word ("Absenden", "ok") says nothing the team could answer.
        if text.startswith("/") or len(text) < MIN_TEXT or len(text.split()) < 2:
            dispatcher.utter_message(response="utter_callback_text_too_short")
            return {"callback_text": None}
        if len(text) > MAX_TEXT:
            dispatcher.utter_message(response="utter_callback_text_too_long")
            return {"callback_text": None}
        return {"callback_text": text}

    async def validate_callback_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain
    ) -> dict[str, Any]:
        text = " ".join(str(value or "").split())
        typed = text.casefold().strip(" .!")
        if (
            tracker.get_intent_of_latest_message() == "deny"
            or typed in NO_CONTACT_WORDS
        ):
            return {"callback_contact": "-"}
        if not CONTACT.search(text) or text.startswith("/") or len(text) > MAX_CONTACT:
            dispatcher.utter_message(response="utter_callback_contact_invalid")
            return {"callback_contact": None}
        return {"callback_contact": text}


class ActionSubmitCallback(Action):
    """Hands the message to the staff inbox as a callback request."""

    def name(self) -> str:
        return "action_submit_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        if discarded(tracker, "callback_discard"):
            return await ActionCancelCallback().run(dispatcher, tracker, domain)
        text = tracker.get_slot("callback_text")
        contact = tracker.get_slot("callback_contact")
        channel = channel_of(tracker)
        request = callbacks.NewCallback(
            channel=channel,
            sender_key=sender_key(tracker.sender_id),
            text=text or "",
            contact=None if contact in (None, "-") else contact,
            reply_to=tracker.sender_id if team_can_reply(tracker) else None,
            language=language_of(tracker),
        )
        try:
            reference = await database().run(
                lambda s: callbacks.create(s, request).reference
            )
        except SQLAlchemyError:
            logger.exception("callback request not stored")
            dispatcher.utter_message(response="utter_callback_failed")
            return [SlotSet(slot, None) for slot in CALLBACK_SLOTS]
        dispatcher.utter_message(
            response="utter_callback_received", reference=reference
        )
        return [SlotSet(slot, None) for slot in CALLBACK_SLOTS]


class ActionCancelCallback(Action):
    def name(self) -> str:
        return "action_cancel_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        dispatcher.utter_message(response="utter_callback_cancelled")
        return [SlotSet(slot, None) for slot in (*CALLBACK_SLOTS, "requested_slot")]
