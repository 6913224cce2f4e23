"""The texts of computed answers, in the conversation's language.

A project card or an event line is filled here, where the data is, from the
templates in data/responses/templates.yml (and their Leichte-Sprache texts in
leichte-sprache.yml), with the edits staff made in /staff/antworten laid over
them: the same rows bot/plugins/nlg.py reads for Rasa's fixed answers.

Each process looks at the edits' revision at most once a second and reads
the edits again only when it grew, so an edit is live within a second in
every action server process.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.db import responses as answers
from actions.sdk.base import database
from core.english import english_day, english_span
from core.german import format_plain_span, format_span, plain_day
from core.protocol import ENGLISH, LANGUAGE_SLOT
from core.responses import (
    LEICHT,
    STANDARD,
    VARIANT_FILES,
    placeholders,
    templates,
    variant_texts,
)

logger = logging.getLogger(__name__)

# A placeholder is a bare name: no format specs, no attribute access.
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

REFRESH_SECONDS = 1.0  # as bot/plugins/nlg.py: an edit is live within a second
_lock = threading.Lock()


@dataclass
class _Known:
    revision: int
    edits: dict[tuple[str, str], str]
    checked: float  # time.monotonic() of the last look at the revision


# One entry per database in use.
_known: dict[str, _Known] = {}


def _current_edits(session: Session) -> dict[tuple[str, str], str]:
    """The edits; the revision is looked at once a second at most (a query
    costs about 0.2 ms on SQLite, filling a template a few microseconds)."""
    where = str(session.get_bind().url)
    known = _known.get(where)
    now = time.monotonic()
    if known is not None and now - known.checked < REFRESH_SECONDS:
        return known.edits
    revision = answers.revision(session)
    if known is None or known.revision != revision:
        known = _Known(revision, answers.edited(session), now)
    with _lock:
        _known[where] = _Known(known.revision, known.edits, now)
    return known.edits


def variant_of(tracker: Tracker) -> str:
    language = tracker.get_slot(LANGUAGE_SLOT)
    return language if language in VARIANT_FILES else STANDARD


class Wording:
    """Fills the templates of one language; `plain` says whether it is
    Leichte Sprache, for what code words itself (dates, lists)."""

    def __init__(self, variant: str, edits: dict[tuple[str, str], str]) -> None:
        self.variant = variant
        self.plain = variant == LEICHT
        self.english = variant == ENGLISH
        self._edits = edits

    def template(self, name: str) -> str:
        shipped = templates()[name].text
        standard = self._usable(self._edits.get((name, STANDARD)), shipped)
        if self.variant == STANDARD:
            return standard
        shipped_variant = variant_texts(self.variant).get(name) or standard
        return self._usable(self._edits.get((name, self.variant)), shipped_variant)

    def day(self, moment: datetime) -> str:
        """A day on its own: '07.12.2026', 'Montag, 7. Dezember 2026',
        'Monday, December 7, 2026'."""
        if self.plain:
            return plain_day(moment)
        if self.english:
            return english_day(moment)
        return f"{moment:%d.%m.%Y}"

    def span(self, start: datetime, end: datetime | None, tz: ZoneInfo) -> str:
        """When an event takes place, in this language."""
        if self.plain:
            return format_plain_span(start, end, tz)
        if self.english:
            return english_span(start, end, tz)
        return format_span(start, end, tz)

    @staticmethod
    def _usable(edited: str | None, shipped: str) -> str:
        # An edit keeps the shipped placeholders (core.responses.problems_of);
        # a row changed past that rule is not shown half-filled.
        if edited and edited.strip() and placeholders(edited) == placeholders(shipped):
            return edited
        return shipped

    def __call__(self, template: str, /, **values: object) -> str:
        """The template filled with `values`; a line whose placeholders are
        all None is left out (a project without a contact has no such line)."""

        def fill(match: re.Match) -> str:
            key = match.group(1)
            if key not in values:
                return match.group(0)
            return "" if values[key] is None else str(values[key])

        lines = []
        for line in self.template(template).split("\n"):
            keys = PLACEHOLDER.findall(line)
            if keys and all(values.get(k) is None for k in keys):
                continue
            lines.append(PLACEHOLDER.sub(fill, line))
        return "\n".join(lines).strip()


def wording(session: Session, tracker: Tracker) -> Wording:
    return Wording(variant_of(tracker), _current_edits(session))


async def current_wording(tracker: Tracker) -> Wording:
    """For an action without a session of its own; while the database is away,
    the edits last read (or the shipped texts)."""
    try:
        edits = await database().run(_current_edits, read_only=True)
    except SQLAlchemyError:
        logger.warning("edited templates not read: database unavailable")
        known = _known.get(str(database().engine.url))
        edits = known.edits if known else {}
    return Wording(variant_of(tracker), edits)
