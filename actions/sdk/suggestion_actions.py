"""Handing in suggestions and following them up."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timezone

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.db import photos, turnaround
from actions.db import suggestions as store
from actions.db.models import utcnow
from actions.sdk.answer_time import expected_answer, expected_for_new
from actions.sdk.base import (
    EventList,
    channel_of,
    database,
    latest_entity,
    previous_action,
    sender_key,
)
from actions.sdk.clear_requests import discarded
from actions.sdk.search_actions import WAITS_FOR_POSITION, ActionSearchNear
from actions.sdk.suggestion_form import (
    SUPPORTED,
    ValidateSuggestionForm,
    intent_of,
    shared_position,
    waiting_photos,
)
from actions.sdk.telegram_link_actions import telegram_buttons
from actions.sdk.wording import Wording, current_wording, language_of, wording
from core.places import Position
from core.protocol import (
    intent_payload,
)
from core.settings import get_settings

logger = logging.getLogger(__name__)

FORM_SLOTS = (
    "suggestion_text",
    "suggestion_topic",
    "suggestion_location",
    "suggestion_position",
    "suggestion_notify",
    "suggestion_email",
    "suggestion_email_consent",
    "suggestion_email_attempts",
    "suggestion_public",
    "suggestion_similar",
    "suggestion_similar_choice",
    "suggestion_confirmed",
    "suggestion_discard",
)
PREVIEW_LENGTH = 60


def reset_form() -> EventList:
    return [
        SlotSet(slot, None)
        for slot in (*FORM_SLOTS, "suggestion_run", "requested_slot")
    ]


def preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 1] + "…"


def status_button(reference: str, say: Wording) -> dict[str, str]:
    return {
        "title": say("tpl_button_status"),
        "payload": intent_payload("ask_suggestion_status", reference=reference),
    }


def photo_caption(tracker: Tracker) -> str | None:
    """The text sent with a photo (/attach_photo{"caption": ...}), if any."""
    caption = latest_entity(tracker, "caption")
    return " ".join(caption.split()) if caption else None


async def discard_waiting_photos(tracker: Tracker) -> None:
    """A form that is not sent leaves no photo; if the database is down, the
    retention purge removes them later."""
    key = sender_key(tracker.sender_id)
    try:
        await database().run(lambda s: photos.discard_pending(s, key))
    except SQLAlchemyError:
        logger.exception("waiting photos not discarded; the purge will")


class ActionOfferIdea(Action):
    """An idea stated in plain words, or a photo: offer to hand it in, and keep
    the idea meanwhile."""

    def name(self) -> str:
        return "action_offer_idea"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        if intent_of(tracker) == "attach_photo":
            count = await waiting_photos(tracker)
            if not count:
                dispatcher.utter_message(response="utter_photo_missing")
                return []
            dispatcher.utter_message(response="utter_photo_received", count=count)
            text = photo_caption(tracker)
        else:
            text = " ".join((tracker.latest_message.get("text") or "").split())
        idea = {
            "text": text,
            "topic": latest_entity(tracker, "topic"),
            "location": latest_entity(tracker, "district"),
        }
        if text:
            dispatcher.utter_message(response="utter_offer_idea")
        else:
            dispatcher.utter_message(response="utter_offer_photo")
        return [SlotSet("offered_idea", idea)]


class ActionLocationOutsideForm(Action):
    """A location, or a question about sending one, when no form asks for it."""

    def name(self) -> str:
        return "action_location_outside_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        position = shared_position(tracker)
        if position is not None and tracker.get_slot(WAITS_FOR_POSITION):
            return await ActionSearchNear().run(dispatcher, tracker, domain)
        if position is not None:
            dispatcher.utter_message(response="utter_location_outside_form")
        else:
            dispatcher.utter_message(response="utter_location_how")
        return []


class ActionDeclineIdea(Action):
    """No to the offer: nothing stays, not even a photo sent with it."""

    def name(self) -> str:
        return "action_decline_idea"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        await discard_waiting_photos(tracker)
        dispatcher.utter_message(response="utter_idea_not_sent")
        return [SlotSet("offered_idea", None)]


class ActionPhotoReceived(Action):
    """A photo during the form: acknowledged; a caption at the idea step is the idea."""

    def name(self) -> str:
        return "action_photo_received"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        count = await waiting_photos(tracker)
        if not count:
            dispatcher.utter_message(response="utter_photo_missing")
            return []
        dispatcher.utter_message(response="utter_photo_received", count=count)
        caption = photo_caption(tracker)
        if caption and tracker.get_slot("requested_slot") == "suggestion_text":
            checked = await ValidateSuggestionForm().validate_suggestion_text(
                caption, dispatcher, tracker, domain
            )
            return [SlotSet(slot, value) for slot, value in checked.items() if value]
        return []


def accepted_idea(tracker: Tracker) -> EventList:
    """The form's answers taken from an offered idea, if the citizen was just
    answering the offer; the form then asks only for what is missing."""
    idea = tracker.get_slot("offered_idea")
    if previous_action(tracker) != "action_offer_idea" or not isinstance(idea, dict):
        return []
    prefilled = {
        "suggestion_text": idea.get("text"),
        "suggestion_topic": idea.get("topic"),
        "suggestion_location": idea.get("location"),
    }
    return [SlotSet(slot, value) for slot, value in prefilled.items() if value]


class ActionStartSuggestion(Action):
    """Opens a new form run, unless the sender reached today's limit. After an
    offer, the offered idea is the run's idea."""

    def name(self) -> str:
        return "action_start_suggestion"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        settings = get_settings()
        key = sender_key(tracker.sender_id)
        now = datetime.now(timezone.utc)
        try:
            await database().run(
                lambda s: store.check_limits(
                    s, key, daily_limit=settings.suggestions_per_day, now=now
                )
            )
        except store.SuggestionRefused:
            dispatcher.utter_message(response="utter_suggestion_daily_limit")
            return [SlotSet("suggestion_allowed", False)]
        except SQLAlchemyError:
            logger.exception("cannot check the suggestion limit")
            dispatcher.utter_message(response="utter_db_unavailable")
            return [SlotSet("suggestion_allowed", False)]
        return [
            *reset_form(),
            *accepted_idea(tracker),
            SlotSet("offered_idea", None),
            SlotSet("suggestion_run", uuid.uuid4().hex),
            SlotSet("suggestion_allowed", True),
        ]


class ActionSubmitSuggestion(Action):
    """Stores the confirmed suggestion, then shows its reference."""

    def name(self) -> str:
        return "action_submit_suggestion"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        slot = tracker.get_slot
        if discarded(tracker, "suggestion_discard"):
            return await ActionCancelSuggestion().run(dispatcher, tracker, domain)
        if slot("suggestion_similar_choice") == SUPPORTED:
            await discard_waiting_photos(tracker)  # backing another one instead
            return reset_form()
        if slot("suggestion_confirmed") is not True or not slot("suggestion_run"):
            return reset_form()
        settings = get_settings()
        wants_notifications = slot("suggestion_notify") in ("chat", "email")
        email = slot("suggestion_email") or None
        consented = bool(email) and slot("suggestion_email_consent") is True
        position = slot("suggestion_position")
        if not isinstance(position, dict):
            position = {}
        new = store.NewSuggestion(
            form_run_id=slot("suggestion_run"),
            channel=channel_of(tracker),
            sender_key=sender_key(tracker.sender_id),
            text=slot("suggestion_text"),
            topic=slot("suggestion_topic"),
            location=slot("suggestion_location") or None,
            position=Position.parse(
                position.get("latitude"), position.get("longitude")
            ),
            district=position.get("district") or None,
            reply_to=tracker.sender_id if wants_notifications else None,
            email=email if consented else None,
            email_consent_at=datetime.now(timezone.utc) if consented else None,
            public_consent_at=(
                datetime.now(timezone.utc)
                if slot("suggestion_public") is True
                else None
            ),
            language=language_of(tracker),
        )
        try:
            reference, _created = await database().run(
                lambda s: _stored(
                    store.create(s, new, daily_limit=settings.suggestions_per_day)
                )
            )
        except store.SuggestionRefused as refused:
            if refused.reason == "duplicate_text" and refused.existing is not None:
                dispatcher.utter_message(
                    response="utter_suggestion_duplicate", reference=refused.existing
                )
            else:
                dispatcher.utter_message(response="utter_suggestion_daily_limit")
            return reset_form()
        except SQLAlchemyError:
            # Keep everything the citizen entered and ask again: nothing is lost.
            logger.exception("cannot store a suggestion")
            dispatcher.utter_message(response="utter_suggestion_not_saved")
            return [
                SlotSet("suggestion_confirmed", None),
                FollowupAction("suggestion_form"),
            ]
        say = await current_wording(tracker)
        buttons = [
            status_button(reference, say),
            *telegram_buttons(tracker, reference, say),
        ]
        expected = await expected_for_new(say, new.topic)
        # The widget shows buttons under the last message only.
        dispatcher.utter_message(
            response="utter_suggestion_saved",
            reference=reference,
            buttons=[] if expected else buttons,
        )
        if expected:
            dispatcher.utter_message(text=expected, buttons=buttons)
        return reset_form()


def _stored(result: tuple) -> tuple[str, bool]:
    """Only the reference leaves the session, which is closed afterwards."""
    suggestion, created = result
    return suggestion.reference, created


class ActionCancelSuggestion(Action):
    def name(self) -> str:
        return "action_cancel_suggestion"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        await discard_waiting_photos(tracker)
        dispatcher.utter_message(response="utter_suggestion_cancelled")
        return reset_form()


class ActionSuggestionStatus(Action):
    """Status by reference; the text only for its author. Without one, own list."""

    def name(self) -> str:
        return "action_suggestion_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        asked = (
            latest_entity(tracker, "reference")
            or tracker.latest_message.get("text")
            or ""
        )
        reference = store.normalize_reference(asked)
        key = sender_key(tracker.sender_id)
        limit = get_settings().list_limit
        try:
            if reference:
                answer = await database().run(
                    lambda s: _status_answer(
                        s, wording(s, tracker), reference, key, tracker
                    ),
                    read_only=True,
                )
            else:
                answer = await database().run(
                    lambda s: _own_list(s, wording(s, tracker), key, limit),
                    read_only=True,
                )
        except SQLAlchemyError:
            logger.exception("cannot look up suggestions")
            dispatcher.utter_message(response="utter_db_unavailable")
            return []
        dispatcher.utter_message(**answer)
        return [SlotSet("reference", reference)] if reference else []


def _status_answer(
    session, say: Wording, reference: str, key: str, tracker: Tracker
) -> dict:
    """The keyword arguments of the one message that answers."""
    suggestion = store.by_reference(session, reference)
    if suggestion is None:
        return {"response": "utter_suggestion_not_found", "reference": reference}
    status = say.state(suggestion.status)
    mine = suggestion.sender_key == key
    # Someone else holding the reference learns the status, never the text,
    # and only the replies written for everyone (the board shows them too).
    note = store.latest_public_note(suggestion, on_board_only=not mine) or None
    if not mine:
        text = say(
            "tpl_suggestion_status_other", reference=reference, status=status, note=note
        )
        return {"text": text}
    created = suggestion.created_at.astimezone(get_settings().tz)
    text = say(
        "tpl_suggestion_status_own",
        reference=reference,
        date=say.day(created),
        text=preview(suggestion.text),
        status=status,
        note=note,
    )
    # Once answered (or closed), the usual time is no news.
    if turnaround.waiting_for_reply(suggestion):
        figures = turnaround.recent(session, now=utcnow())
        if expected := expected_answer(say, figures, suggestion.topic):
            text = f"{text}\n{expected}"
    return {"text": text, "buttons": telegram_buttons(tracker, reference, say)}


def _own_list(session, say: Wording, key: str, limit: int) -> dict:
    own = store.for_sender(session, key)
    if not own:
        return {"response": "utter_no_own_suggestions"}
    listed = "\n".join(
        say(
            "tpl_own_suggestion_line",
            reference=s.reference,
            status=say.state(s.status),
            text=preview(s.text),
        )
        for s in own[:limit]
    )
    return {
        "text": say("tpl_own_suggestions", list=listed),
        "buttons": [status_button(s.reference, say) for s in own[:limit]],
    }
