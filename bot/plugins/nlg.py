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

While the conversation's `sprache` slot says "leicht" or "en" (or an action
asks for one with `sprache=...`), each answer comes in that variant's text
(data/responses/leichte-sprache.yml or english.yml, staff edits of the variant
over it; English also has its own button titles); an answer without one comes
in its standard text with a sentence that says so.
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
from core.protocol import LANGUAGE_SLOT
from core.responses import NOT_YET, STANDARD, VARIANT_FILES, variant_entries
from core.settings import get_settings

logger = logging.getLogger(__name__)

PUBLIC_URL = "public_url"
Responses = dict[str, list[dict[str, Any]]]
Edits = dict[tuple[str, str], str]


def _with_text(variations: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    return [
        variation if variation.get("condition") else {**variation, "text": text}
        for variation in variations
    ]


def overlay(shipped: Responses, edits: Edits) -> Responses:
    """The domain's responses with each edited standard text in place of the
    text of its unconditional variations."""
    current = dict(shipped)
    for (name, variant), text in edits.items():
        if variant == STANDARD and name in shipped and text.strip():
            current[name] = _with_text(shipped[name], text)
    return current


def in_variant(
    standard: Responses, texts: dict[str, str], titles: dict[str, tuple], not_yet: str
) -> Responses:
    """Every response in a variant: its own text (and button titles) where
    there is one, else the standard text and a sentence that no such text
    exists yet."""
    current = {}
    for name, variations in standard.items():
        text = texts.get(name, "")
        if text.strip():
            current[name] = [
                _titled(v, titles.get(name, ())) for v in _with_text(variations, text)
            ]
        else:
            current[name] = [
                {**v, "text": f"{v['text']}\n\n{not_yet}"} if v.get("text") else v
                for v in variations
            ]
    return current


def _titled(variation: dict[str, Any], titles: tuple) -> dict[str, Any]:
    buttons = variation.get("buttons")
    if not buttons or len(titles) != len(buttons) or variation.get("condition"):
        return variation
    renamed = [{**b, "title": t} for b, t in zip(buttons, titles, strict=True)]
    return {**variation, "buttons": renamed}


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
        settings = get_settings()
        self.db = Database(settings.database_url)
        self.public_url = settings.public_url
        self._variants = {
            variant: TemplatedNaturalLanguageGenerator({}) for variant in VARIANT_FILES
        }
        super().__init__((domain or Domain.empty()).responses)

    @property
    def responses(self) -> Responses:
        return self._current

    @responses.setter
    def responses(self, shipped: Responses) -> None:
        # Rasa's Agent sets the domain's responses here when it loads a model.
        self._shipped = shipped
        self._update()

    def _update(self) -> None:
        self._current = overlay(self._shipped, self._edits)
        for variant, generator in self._variants.items():
            shipped = variant_entries(variant)
            texts = {name: entry.text for name, entry in shipped.items()}
            texts.update(
                (name, text)
                for (name, edited), text in self._edits.items()
                if edited == variant and text.strip()
            )
            titles = {name: entry.buttons for name, entry in shipped.items()}
            generator.responses = in_variant(
                self._current, texts, titles, NOT_YET[variant]
            )

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        await self.refresh()
        # Values every answer may name besides the slots: where the city's
        # pages are (utter_help links the page in Leichter Sprache).
        kwargs.setdefault(PUBLIC_URL, self.public_url)
        mode = kwargs.pop(LANGUAGE_SLOT, None) or tracker.get_slot(LANGUAGE_SLOT)
        if mode in self._variants:
            return await self._variants[mode].generate(
                utter_action, tracker, output_channel, **kwargs
            )
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
            self._update()
