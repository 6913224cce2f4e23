"""What every database-backed action shares: a session per run, and a polite
apology instead of a crash when the database cannot be reached."""

from __future__ import annotations

import asyncio
import logging
import re
from abc import ABC, abstractmethod
from typing import Any, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.db.session import Database, in_transaction
from core.secret_key import sender_key as secret_sender_key
from core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

EventList = list[dict[str, Any]]
T = TypeVar("T")
CHANNEL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def sender_key(sender_id: str) -> str:
    """The sender's pseudonym (core.secret_key.sender_key) with this process's settings."""
    return secret_sender_key(sender_id, get_settings())


def channel_of(tracker: Tracker) -> str:
    """The citizen's channel: set by our bridges in metadata, else Rasa's input channel."""
    metadata = tracker.latest_message.get("metadata") or {}
    channel = metadata.get("channel") if isinstance(metadata, dict) else None
    if isinstance(channel, str) and CHANNEL_NAME.match(channel):
        return channel
    return tracker.get_latest_input_channel() or "rest"


ADDRESS_KEY = re.compile(r"^[0-9a-f]{32}$")


def address_key_of(tracker: Tracker) -> str | None:
    """The client address of the latest message as the web app keyed it for
    today (core.secret_key.address_key); None from channels without one."""
    metadata = tracker.latest_message.get("metadata") or {}
    key = metadata.get("address_key") if isinstance(metadata, dict) else None
    return key if isinstance(key, str) and ADDRESS_KEY.match(key) else None


def database() -> Database:
    """The action server's database, as its settings name it now (tests switch
    it); the engine behind it is one per URL and process."""
    return Database(get_settings().database_url)


def latest_entity(tracker: Tracker, name: str) -> str | None:
    """The entity's value in the latest user message only, so old filters don't stick."""
    value = next(tracker.get_latest_entity_values(name), None)
    return value.strip() if isinstance(value, str) and value.strip() else None


def previous_action(tracker: Tracker) -> str | None:
    """The bot's last action before the latest user message (not action_listen):
    what the citizen is answering or following up on."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and event.get("event") == "action":
            name = event.get("name")
            if name and name != "action_listen":
                return name
    return None


class DatabaseAction(Action, ABC):
    """An action that answers from the project database in a worker thread.

    It only reads: on SQLite it then never waits for a writer's lock.
    """

    @abstractmethod
    def respond(
        self,
        session: Session,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        settings: Settings,
    ) -> EventList:
        """Send the answer through `dispatcher` and return events."""

    def _respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> EventList:
        settings = get_settings()
        return in_transaction(
            settings.database_url,
            lambda s: self.respond(s, dispatcher, tracker, settings),
            read_only=True,
        )

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        # Collect separately so that a half-built answer is never sent.
        collected = CollectingDispatcher()
        try:
            events = await asyncio.to_thread(self._respond, collected, tracker)
        except SQLAlchemyError:
            logger.exception("%s: database unavailable", self.name())
            dispatcher.utter_message(response="utter_db_unavailable")
            return []
        dispatcher.messages.extend(collected.messages)
        return events
