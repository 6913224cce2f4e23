"""👍/👎 under answers with content, and the one optional "Was hat gefehlt?".

The stored rating keeps no sender (actions.db.ratings).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.db import ratings
from actions.sdk.base import (
    EventList,
    channel_of,
    database,
    latest_entity,
    sender_key,
)
from actions.sdk.clear_requests import unclear_cancel
from actions.sdk.rating_offers import offer, offers, remember, with_rating
from actions.sdk.suggestion_form import asks_instead, folded, intent_of, plain
from actions.sdk.wording import current_wording
from core import metrics

logger = logging.getLogger(__name__)

# The comment step was left without words (a button, or nothing typed).
NO_COMMENT = "-"
# What data/rules/ratings.yml answers instead of taking a comment.
COMMANDS = {"cancel", "deny", "request_data_deletion", "request_human",
            "submit_suggestion", "clear_conversation"}  # fmt: skip
QUESTIONS = {"ask_projects", "ask_project_info", "ask_events", "ask_contact", "faq",
             "search_suggestions",
             "help", "ask_suggestion_status", "ask_privacy",
             "out_of_scope"}  # fmt: skip
# "nein" skips the comment; "Nein, die Öffnungszeiten fehlten" is one.
SHORT_NO_WORDS = 3
# Words that answer the step without saying what was missing.
NOT_A_COMMENT = {"weiter", "ok", "okay", "absenden", "senden", "fertig", "nichts",
                 "passt", "egal", "danke", "überspringen"}  # fmt: skip
WORD = re.compile(r"\w")
ANSWERED_INSTEAD = COMMANDS | QUESTIONS | {"rate"}
NEGATIVE = re.compile(
    r"👎|\b(nicht|kein\w*|schlecht\w*|unbrauchbar|nutzlos|falsch|unklar)\b",
    re.IGNORECASE,
)


class ActionAnswerFaq(Action):
    """The FAQ answer the response selector chose, with 👍/👎 under it."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        selected = (tracker.latest_message.get("response_selector") or {}).get("faq")
        response = ((selected or {}).get("response") or {}).get("utter_action")
        if response not in (domain.get("responses") or {}):
            dispatcher.utter_message(response="utter_fallback")
            return []
        made = offer(tracker, response)
        say = await current_wording(tracker)
        dispatcher.utter_message(response=response, buttons=with_rating([], made, say))
        return remember(tracker, made)


class ActionStoreRating(Action):
    """Stores a 👍 or 👎; a 👎 then asks once what was missing."""

    def name(self) -> str:
        return "action_store_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        no_comment = [SlotSet("rating_comment_wanted", False)]
        known = offers(tracker)
        wanted = latest_entity(tracker, "rating_id")
        if wanted:
            rated = next((o for o in known if o["id"] == wanted), None)
        else:  # a typed "war hilfreich" rates the latest answer
            rated = known[-1] if known else None
        text = str(tracker.latest_message.get("text") or "")
        rating = latest_entity(tracker, "rating")
        if rating not in ratings.RATINGS and not text.startswith("/"):
            rating = ratings.DOWN if NEGATIVE.search(text) else ratings.UP
        if rated is None or rating not in ratings.RATINGS:
            dispatcher.utter_message(response="utter_rating_nothing_to_rate")
            return no_comment
        new = ratings.NewRating(
            offer_id=rated["id"], question=str(rated.get("question") or ""),
            intent=str(rated.get("intent") or "-"),
            response=str(rated.get("response") or "-"),
            channel=channel_of(tracker), rating=rating,
            sender_key=sender_key(tracker.sender_id),
        )  # fmt: skip
        try:
            await database().run(lambda s: ratings.rate(s, new))
        except SQLAlchemyError:
            logger.exception("cannot store a rating")
            dispatcher.utter_message(response="utter_rating_failed")
            return no_comment
        metrics.ratings.labels("up" if rating == ratings.UP else "down").inc()
        if rating == ratings.UP:
            dispatcher.utter_message(response="utter_rating_thanks")
            return no_comment
        return [
            SlotSet("rating_comment_wanted", True),
            SlotSet("rating_comment_for", rated["id"]),
        ]


class ValidateRatingCommentForm(FormValidationAction):
    def name(self) -> str:
        return "validate_rating_comment_form"

    async def extract_rating_comment(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Any words are the comment, but a command, a question or a button of
        data/rules/ratings.yml is left to its rule (nothing extracted).

        A question is one by its form (suggestion_form.is_question): "Wer
        betreut das Projekt?" or "wann ist die nächste Werkstatt" is answered,
        while "Wer das Projekt betreut", with the verb at the end, says what
        was missing and is the comment."""
        if tracker.active_loop_name != "rating_comment_form" or (
            tracker.get_slot("requested_slot") != "rating_comment"
        ):
            return {}
        text = plain(tracker.latest_message.get("text"))
        intent = intent_of(tracker)
        if text.startswith("/"):
            return {} if intent in ANSWERED_INSTEAD else {"rating_comment": NO_COMMENT}
        if not WORD.search(text) or folded(text) in NOT_A_COMMENT:
            return {"rating_comment": NO_COMMENT}
        # "Nein, die Öffnungszeiten fehlten": words with a no are the comment.
        with_words = len(text.split()) > SHORT_NO_WORDS
        if with_words and (intent == "deny" or unclear_cancel(tracker)):
            return {"rating_comment": text}
        if intent in COMMANDS or asks_instead(tracker, QUESTIONS):
            return {}
        # A photo or an empty message has no words; ratings.add_comment trims the rest.
        return {"rating_comment": text or NO_COMMENT}


class ActionStoreRatingComment(Action):
    def name(self) -> str:
        return "action_store_rating_comment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        comment = tracker.get_slot("rating_comment")
        offer_id = tracker.get_slot("rating_comment_for")
        done = [
            SlotSet("rating_comment", None),
            SlotSet("rating_comment_for", None),
            SlotSet("rating_comment_wanted", None),
        ]
        if not isinstance(comment, str) or comment == NO_COMMENT or not offer_id:
            dispatcher.utter_message(response="utter_rating_comment_skipped")
            return done
        try:
            await database().run(lambda s: ratings.add_comment(s, offer_id, comment))
        except SQLAlchemyError:
            logger.exception("cannot store a rating comment")
            dispatcher.utter_message(response="utter_rating_failed")
            return done
        dispatcher.utter_message(response="utter_rating_comment_thanks")
        return done
