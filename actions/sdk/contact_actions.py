"""Contact, hand-off to a person, privacy information from contact.yml, and
the city's service portal for questions outside the assistant's topics."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.sdk.base import EventList
from actions.sdk.live_actions import (
    contact_buttons,
    contact_or_apology,
    current_live_state,
)
from actions.sdk.wording import Wording, current_wording
from core.content import Contact
from core.settings import get_settings

logger = logging.getLogger(__name__)


def contact_card(say: Wording, contact: Contact) -> str:
    return say(
        "tpl_contact_card",
        organisation=contact.organisation,
        office=contact.office or None,
        email=contact.email,
        phone=contact.phone or None,
        hours=contact.hours_text or None,
        address=contact.address or None,
        url=contact.url or None,
    )


class ActionContact(Action):
    """Says how to reach a person at the Smart-City office."""

    def name(self) -> str:
        return "action_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        contact = contact_or_apology(dispatcher)
        if contact is None:
            return []
        say = await current_wording(tracker)
        someone_there = False
        try:
            state = await current_live_state(contact, tracker.sender_id)
        except SQLAlchemyError:
            logger.exception("contact: cannot tell whether a person is there")
            buttons = []
        else:
            buttons = contact_buttons(state, tracker, say)
            someone_there = state.possible and bool(buttons)
        text = say(
            "tpl_contact",
            card=contact_card(say, contact),
            example=say("tpl_contact_example") if contact.example else None,
            live=say("tpl_contact_live_now") if someone_there else None,
        )
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionOutOfScope(Action):
    """Not the assistant's topic ("Wo verlängere ich meinen Personalausweis?"):
    says so and links to the city's services (SERVICE_PORTAL_URL)."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        # The setting is a checked http(s) URL, never empty (core.settings).
        dispatcher.utter_message(
            response="utter_out_of_scope",
            service_portal_url=get_settings().service_portal_url,
        )
        return []


class ActionPrivacy(Action):
    """Explains what the assistant stores and whom to ask about data protection."""

    def name(self) -> str:
        return "action_privacy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        contact = contact_or_apology(dispatcher)
        if contact is None:
            return []
        say = await current_wording(tracker)
        text = say(
            "tpl_privacy",
            retention=get_settings().retention_days,
            privacy_contact=contact.privacy_contact or contact.email,
            privacy_url=contact.privacy_url or None,
        )
        dispatcher.utter_message(text=text)
        return []
