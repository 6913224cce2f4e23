"""Rasa's SQL tracker store, configured by one URL, able to forget a conversation.

Deleting a sender's events from inside an action does not work: Rasa saves the
tracker after the turn and would write them back. So the deletion action only
runs, and this store erases the sender's events when it saves that turn.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

ERASE_ACTION = "action_delete_my_data"


def erase_requested(tracker: DialogueStateTracker) -> bool:
    return any(
        isinstance(event, ActionExecuted) and event.action_name == ERASE_ACTION
        for event in tracker.events
    )


class ErasableSQLTrackerStore(SQLTrackerStore):
    """SQL tracker store taking a SQLAlchemy URL (endpoints.yml `url`)."""

    def __init__(
        self, domain=None, host: str | None = None, event_broker=None, **kwargs: Any
    ):
        url = make_url(host or "sqlite:///rasa.db")
        if url.get_backend_name() == "sqlite" and url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(
            domain=domain,
            dialect=url.drivername,
            host=url.host,
            port=url.port,
            db=url.database,
            username=url.username,
            password=url.password,
            event_broker=event_broker,
            query=dict(url.query) or None,
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        if erase_requested(tracker):
            self.erase(tracker.sender_id)
            return
        await super().save(tracker)

    def erase(self, sender_id: str) -> int:
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        logger.info("erased %d stored events of one conversation", deleted)
        return deleted
