""" "Auf Telegram weiterverfolgen" (issue 36.3): the web chat hands the author
of a suggestion a one-time link to the Telegram bot, which carries the
suggestion there (actions.db.telegram_links; the bridge redeems the link in
bot.telegram.bridge). Offered only where a Telegram bot is known by name,
and never on Telegram itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError
from telegram.helpers import create_deep_linked_url

from actions.db import follows, telegram_links
from actions.db import suggestions as store
from actions.db.models import utcnow
from actions.sdk.base import EventList, channel_of, database, latest_entity, sender_key
from actions.sdk.wording import Wording, current_wording
from core.protocol import TELEGRAM_CHANNEL, intent_payload
from core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

INTENT = "follow_on_telegram"
WITH_FOLLOWS = "with_follows"  # the choice of a link that takes the follows along


def bot_username(settings: Settings) -> str | None:
    return settings.telegram.username if settings.telegram else None


def offered(tracker: Tracker) -> bool:
    return channel_of(tracker) != TELEGRAM_CHANNEL and bool(
        bot_username(get_settings())
    )


def telegram_buttons(tracker: Tracker, reference: str, say: Wording) -> list[dict]:
    """The button under the author's suggestion, where it can be offered."""
    if not offered(tracker):
        return []
    return [
        {
            "title": say("tpl_button_telegram"),
            "payload": intent_payload(INTENT, reference=reference),
        }
    ]


@dataclass(frozen=True)
class Issued:
    response: str
    reference: str | None = None
    token: str | None = None
    # Follows that stay here unless the citizen asks to take them along.
    follows_left: int = 0


def _issue(
    session, asked: str | None, key: str, settings: Settings, with_follows: bool
) -> Issued:
    """A link for the suggestion asked about, else the author's newest; with
    the follows of this chat, if asked so."""
    if asked:
        suggestion = store.by_reference(session, asked)
        if suggestion is None:
            return Issued("utter_suggestion_not_found", asked)
        if suggestion.sender_key != key:
            return Issued("utter_telegram_link_not_own", asked)
    else:
        own = store.for_sender(session, key)
        if not own:
            return Issued("utter_no_own_suggestions")
        suggestion = own[0]
    token = telegram_links.issue(
        session,
        suggestion,
        sender_key=key,
        now=utcnow(),
        lifetime=timedelta(minutes=settings.telegram_link_minutes),
        per_day=settings.telegram_links_per_day,
        with_follows=with_follows,
    )
    if token is None:
        return Issued("utter_telegram_link_limit", suggestion.reference)
    followed = 0 if with_follows else len(follows.of_citizen(session, key))
    return Issued("utter_telegram_link", suggestion.reference, token, followed)


class ActionFollowOnTelegram(Action):
    """A one-time link that carries the suggestion to Telegram."""

    def name(self) -> str:
        return "action_follow_on_telegram"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        settings = get_settings()
        if channel_of(tracker) == TELEGRAM_CHANNEL:
            dispatcher.utter_message(response="utter_telegram_link_already_there")
            return []
        username = bot_username(settings)
        if not username:
            dispatcher.utter_message(response="utter_telegram_link_unavailable")
            return []
        # The button names the suggestion; typed words may, or the status
        # answer just before did (slot `reference`).
        asked = store.normalize_reference(
            latest_entity(tracker, "reference") or tracker.get_slot("reference") or ""
        )
        key = sender_key(tracker.sender_id)
        along = latest_entity(tracker, "choice") == WITH_FOLLOWS
        try:
            issued = await database().run(
                lambda s: _issue(s, asked, key, settings, along)
            )
        except SQLAlchemyError:
            logger.exception("cannot make a link to Telegram")
            dispatcher.utter_message(response="utter_db_unavailable")
            return []
        link = create_deep_linked_url(username, issued.token) if issued.token else None
        buttons = []
        if issued.follows_left:
            say = await current_wording(tracker)
            buttons.append({"title": say("tpl_button_telegram_with_follows"),
                            "payload": intent_payload(INTENT, reference=issued.reference,
                                                      choice=WITH_FOLLOWS)})  # fmt: skip
        dispatcher.utter_message(
            response=issued.response,
            reference=issued.reference,
            link=link,
            minutes=settings.telegram_link_minutes,
            buttons=buttons,
        )
        if along and issued.token:
            dispatcher.utter_message(response="utter_telegram_link_with_follows")
        return []
