"""What every database-backed action shares: a session per run, and a polite
apology instead of a crash when the database cannot be reached."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.db.session import get_engine
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

EventList = list[dict[str, Any]]


def latest_entity(tracker: Tracker, name: str) -> str | None:
    """The entity's value in the latest user message only, so old filters don't stick."""
    value = next(tracker.get_latest_entity_values(name), None)
    return value.strip() if isinstance(value, str) and value.strip() else None


class DatabaseAction(Action, ABC):
    """An action that answers from the project database in a worker thread."""

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
        with Session(get_engine(settings.database_url), future=True) as session:
            return self.respond(session, dispatcher, tracker, settings)

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
