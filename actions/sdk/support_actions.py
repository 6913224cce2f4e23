"""Backing a published suggestion: "Ich unterstütze V-…", a button under a
similar suggestion, and news about it for supporters who ask."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.db import supports
from actions.db.suggestions import normalize_reference
from actions.sdk.base import (
    EventList,
    address_key_of,
    channel_of,
    database,
    latest_entity,
    sender_key,
)
from actions.sdk.wording import Wording, current_wording, language_of
from core.protocol import intent_payload
from core.settings import get_settings

logger = logging.getLogger(__name__)

NEWS = "news"
# To others an unpublished suggestion does not exist: the same answer as unknown.
REFUSALS = {
    "unknown": {"response": "utter_support_unknown"},
    "not_public": {"response": "utter_support_unknown"},
    "closed": {"response": "utter_support_closed"},
    "own": {"response": "utter_support_own"},
}
# A new web session costs nothing; one address backs at most
# SUPPORTS_PER_ADDRESS_PER_DAY times a day (actions.db.supports): then the
# template tpl_support_address_limit says so.


def support_button(reference: str, title: str, say: Wording) -> dict[str, str]:
    return {
        "title": say("tpl_button_support", title=shortened(title)),
        "payload": intent_payload("support_suggestion", reference=reference),
    }


def shortened(title: str, limit: int = 40) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


async def support(
    dispatcher: CollectingDispatcher, tracker: Tracker, reference: str
) -> bool:
    """Back `reference` for the sender and say so; True if it is backed now."""
    news = latest_entity(tracker, "choice") == NEWS
    key, channel = sender_key(tracker.sender_id), channel_of(tracker)
    reply_to = tracker.sender_id if news else None
    address = address_key_of(tracker)
    daily_limit = get_settings().supports_per_address_per_day
    language = language_of(tracker)

    def work(session):
        suggestion, new = supports.add(session, reference, key, channel=channel,
                                       reply_to=reply_to, address_key=address,
                                       daily_limit=daily_limit,
                                       language=language)  # fmt: skip
        count = supports.count(session, suggestion.id)
        return suggestion.public_title, new, count, suggestion.reference

    try:
        title, new, count, backed = await database().run(work)
    except supports.NotSupportable as refused:
        if refused.reason == "address_limit":
            _log_limit_reached(address, daily_limit)
            say = await current_wording(tracker)
            dispatcher.utter_message(text=say("tpl_support_address_limit"))
            return False
        dispatcher.utter_message(**REFUSALS[refused.reason], reference=reference)
        return False
    except SQLAlchemyError:
        logger.exception("cannot store a support")
        dispatcher.utter_message(response="utter_support_not_saved")
        return False
    if backed != reference:
        dispatcher.utter_message(response="utter_support_merged", title=title)
    if news:
        dispatcher.utter_message(response="utter_support_news", title=title)
    elif new:
        say = await current_wording(tracker)
        dispatcher.utter_message(
            response="utter_supported",
            title=title,
            count=count,
            buttons=[{"title": say("tpl_button_news"),
                      "payload": intent_payload("support_suggestion", reference=reference,
                                                choice=NEWS)}],
        )  # fmt: skip
    else:
        dispatcher.utter_message(
            response="utter_support_again", title=title, count=count
        )
    return True


def _log_limit_reached(address: str, daily_limit: int) -> None:
    """One line per address and day for the operator, not one per refusal."""
    if address in _LOGGED_ADDRESSES:
        return
    if len(_LOGGED_ADDRESSES) > 1000:
        _LOGGED_ADDRESSES.clear()
    _LOGGED_ADDRESSES.add(address)
    logger.warning(
        "supports from one address reached the daily limit of %d (address key "
        "%s…); further supports from it are refused today", daily_limit, address[:8]
    )  # fmt: skip


_LOGGED_ADDRESSES: set[str] = set()


class ActionSupportSuggestion(Action):
    def name(self) -> str:
        return "action_support_suggestion"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        reference = normalize_reference(latest_entity(tracker, "reference") or "")
        if reference is None:
            reference = normalize_reference(tracker.latest_message.get("text") or "")
        if reference is None:
            dispatcher.utter_message(response="utter_ask_support_reference")
            return []
        await support(dispatcher, tracker, reference)
        return []
