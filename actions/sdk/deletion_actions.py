"""Deleting one's data (GDPR Art. 17): everything, or the conversation alone.

Rasa's tracker store (bot.plugins.tracker_store) erases the conversation itself
after the actions named in core.protocol.ERASE_ACTIONS; these delete what the
database holds of the sender and say so with core.protocol.DELETED_MARKER.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.db import callbacks, live, notifications, photos, ratings, threads
from actions.db import suggestions as store
from actions.sdk.base import EventList, channel_of, database, sender_key
from actions.sdk.clear_requests import clearly
from actions.sdk.rating_offers import offer_ids
from actions.sdk.suggestion_actions import reset_form
from actions.sdk.wording import current_wording
from core.protocol import CLEAR_CONVERSATION_ACTION, DELETED_MARKER, ERASE_ACTION

logger = logging.getLogger(__name__)


def _delete_everything(session, tracker: Tracker, key: str) -> int:
    """Suggestions, supports and photos, live chats, callback requests, ratings
    of answers shown here and the team's messages to this chat; the number of
    suggestions deleted."""
    live.delete_for_sender(session, key)
    threads.delete_for_sender(session, key)
    callbacks.delete_for_sender(session, key)
    ratings.delete_for_sender(session, key)
    ratings.delete_offers(session, offer_ids(tracker))  # rated before 0015
    notifications.delete_for_recipient(session, channel_of(tracker), tracker.sender_id)
    return store.delete_for_sender(session, key)


def _clear_conversation(session, tracker: Tracker, key: str) -> None:
    """The conversation and what hangs on it; what was handed in stays."""
    live.delete_for_sender(session, key)
    ratings.delete_for_sender(session, key)
    ratings.delete_offers(session, offer_ids(tracker))
    notifications.delete_for_recipient(session, channel_of(tracker), tracker.sender_id)
    photos.discard_pending(session, key)
    threads.discard_offered(session, key)
    store.forget_chat(session, key)
    callbacks.forget_chat(session, key)


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
            deleted = await database().run(
                lambda s: _delete_everything(s, tracker, key)
            )
        except SQLAlchemyError:
            logger.exception("cannot delete a sender's suggestions")
            dispatcher.utter_message(response="utter_deletion_failed")
            return []
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
