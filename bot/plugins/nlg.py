"""Rasa's own templated NLG, with the texts staff edited laid over the domain's.

Named in endpoints.yml (`nlg: type: bot.plugins.nlg.EditableResponses`), so
every answer Rasa renders (rules, FAQ answers, and the responses custom
actions name) passes through it; Rasa's variation filter, slot filling and
channel handling stay as they are.

Each worker asks the database at most once per `refresh_seconds` (1 s) for the
revision of the edits (actions.db.responses.revision) and reads the edited
texts only when it grew, so an edit reaches every host and worker within a
second and costs a turn nothing in between. A database that is away keeps the
texts last read, and a row that is missing or blank keeps the domain's: an
edit can never silence the assistant.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.exc import SQLAlchemyError

from actions.db import responses as answers
from actions.db.session import Database
from core.responses import STANDARD
from core.settings import get_settings

logger = logging.getLogger(__name__)

Responses = dict[str, list[dict[str, Any]]]
Edits = dict[tuple[str, str], str]


def overlay(shipped: Responses, edits: Edits) -> Responses:
    """The domain's responses with each edited standard text in place of the
    text of its unconditional variations."""
    current = dict(shipped)
    for (name, variant), text in edits.items():
        if variant != STANDARD or name not in shipped or not text.strip():
            continue
        current[name] = [
            variation if variation.get("condition") else {**variation, "text": text}
            for variation in shipped[name]
        ]
    return current


class EditableResponses(TemplatedNaturalLanguageGenerator):
    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        domain: Domain | None = None,
    ) -> None:
        self._edits: Edits = {}
        self._revision: int | None = None
        self._checked = float("-inf")
        self._warned = False
        kwargs = endpoint_config.kwargs if endpoint_config else {}
        self.refresh_seconds = float(kwargs.get("refresh_seconds", 1.0))
        self.db = Database(get_settings().database_url)
        super().__init__((domain or Domain.empty()).responses)

    @property
    def responses(self) -> Responses:
        return self._current

    @responses.setter
    def responses(self, shipped: Responses) -> None:
        # Rasa's Agent sets the domain's responses here when it loads a model.
        self._shipped = shipped
        self._current = overlay(shipped, self._edits)

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        await self.refresh()
        return await super().generate(utter_action, tracker, output_channel, **kwargs)

    async def refresh(self) -> None:
        now = time.monotonic()
        if now - self._checked < self.refresh_seconds:
            return
        self._checked = now
        known = self._revision

        def read(session) -> tuple[int, Edits | None]:
            revision = answers.revision(session)
            return revision, None if revision == known else answers.edited(session)

        try:
            revision, edits = await self.db.run(read, read_only=True)
        except SQLAlchemyError as error:
            if not self._warned:
                logger.warning(
                    "edited answers not read (%s); the last known texts stay",
                    type(error).__name__,
                )
            self._warned = True
            return
        self._warned = False
        if edits is not None:
            self._edits, self._revision = edits, revision
            self._current = overlay(self._shipped, edits)
