"""Deleting one's data (GDPR Art. 17): everything, or the conversation alone.

Rasa's tracker store (bot.plugins.tracker_store) erases the conversation itself
after the actions named in core.protocol.ERASE_ACTIONS; these delete what the
database holds of the sender and say so with core.protocol.DELETED_MARKER.
A deletion that committed is noted in the deletion journal
(core.deletion_journal): a restore of an older backup then deletes it again.
"""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.db import erasure, notifications, telegram_links
from actions.sdk.base import EventList, channel_of, database, sender_key
from actions.sdk.clear_requests import clearly
from actions.sdk.rating_offers import offer_ids
from actions.sdk.suggestion_actions import reset_form
from actions.sdk.wording import current_wording
from core.deletion_journal import CONVERSATION, EVERYTHING, SUGGESTION, note
from core.protocol import CLEAR_CONVERSATION_ACTION, DELETED_MARKER, ERASE_ACTION
from core.settings import get_settings

logger = logging.getLogger(__name__)


def _delete_everything(session, tracker: Tracker, key: str) -> tuple[int, list[str]]:
    """Everything the database holds of the sender (actions.db.erasure) and
    the team's messages to this chat; the number of suggestions deleted, and
    the references of those carried here from another chat."""
    carried = telegram_links.carried_to(session, key)
    notifications.delete_for_recipient(session, channel_of(tracker), tracker.sender_id)
    return erasure.delete_everything(session, key, offer_ids(tracker)), carried


def _clear_conversation(session, tracker: Tracker, key: str) -> None:
    """The conversation and what hangs on it; what was handed in stays."""
    notifications.delete_for_recipient(session, channel_of(tracker), tracker.sender_id)
    erasure.clear_conversation(session, key, offer_ids(tracker))


async def _journal(
    kind: str, tracker: Tracker, key: str, carried: list[str] | None = None
) -> None:
    """Note the deletion in the deletion journal, so that a restore of an
    older backup deletes it again. The deletion has happened: a journal that
    cannot be written is the operator's to fix (an ERROR), not the citizen's.
    A suggestion carried here from the web chat (actions.db.telegram_links)
    is noted by its reference too: an older backup has it under the web
    chat's pseudonym."""
    path = get_settings().deletion_journal
    offers = tuple(offer_ids(tracker))
    await asyncio.to_thread(note, path, kind, key=key, offers=offers)
    for reference in carried or ():
        await asyncio.to_thread(note, path, SUGGESTION, reference=reference)


class ActionClearConversation(Action):
    """ "Nur den Verlauf leeren": Rasa's tracker store erases the conversation
    (bot.plugins.tracker_store); suggestions, support and messages to the
    team stay with the city, without a chat to answer in."""

    def name(self) -> str:
        return CLEAR_CONVERSATION_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        key = sender_key(tracker.sender_id)
        try:
            await database().run(lambda s: _clear_conversation(s, tracker, key))
        except SQLAlchemyError:
            logger.exception("cannot clear a conversation")
            dispatcher.utter_message(response="utter_deletion_failed")
            return []
        await _journal(CONVERSATION, tracker, key)
        dispatcher.utter_message(response="utter_conversation_cleared")
        dispatcher.utter_message(json_message={DELETED_MARKER: True})
        return reset_form()


class ActionCheckDeletionAnswer(Action):
    """Deletes nothing on a guess: only a button, its typed label or a sure
    yes to "Soll ich wirklich alle Ihre Daten löschen?" lets the deletion run;
    anything less clear asks again (data/rules/suggestions.yml)."""

    def name(self) -> str:
        return "action_check_deletion_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        sure = clearly(
            tracker,
            "affirm",
            "request_data_deletion",
            "clear_conversation",
            max_words=None,
        )
        if not sure:
            dispatcher.utter_message(response="utter_deletion_unclear")
        return [SlotSet("deletion_confirmed", sure)]


class ActionDeleteMyData(Action):
    """Deletes the sender's suggestions and contact data (GDPR Art. 17).

    Rasa's tracker store (bot.plugins.tracker_store) erases the conversation itself.
    """

    def name(self) -> str:
        return ERASE_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        key = sender_key(tracker.sender_id)
        try:
            deleted, carried = await database().run(
                lambda s: _delete_everything(s, tracker, key)
            )
        except SQLAlchemyError:
            logger.exception("cannot delete a sender's suggestions")
            dispatcher.utter_message(response="utter_deletion_failed")
            return []
        await _journal(EVERYTHING, tracker, key, carried)
        if deleted:
            say = await current_wording(tracker)
            what = (
                say("tpl_count_suggestion_one")
                if deleted == 1
                else say("tpl_count_suggestions", count=deleted)
            )
            dispatcher.utter_message(response="utter_data_deleted", what=what)
        else:
            dispatcher.utter_message(response="utter_data_deleted_no_suggestions")
        # For the widget's "Verlauf löschen": only this says the deletion committed.
        dispatcher.utter_message(json_message={DELETED_MARKER: True})
        return reset_form()
