"""The wording of computed answers in the conversation's language.

core/wording.py fills the templates of data/responses (and their Leichte-
Sprache and English texts); this module says which language a conversation
has and lays over them the edits staff made in /staff/antworten: the same rows
bot/plugins/nlg.py reads for Rasa's fixed answers.

Each process looks at the edits' revision at most once a second and reads
the edits again only when it grew, so an edit is live within a second in
every action server process.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from rasa_sdk import Tracker
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.db import responses as answers
from actions.sdk.base import database
from core.protocol import LANGUAGE_SLOT
from core.responses import STANDARD, VARIANT_FILES
from core.wording import Wording, english_names

__all__ = ["Wording", "current_wording", "english_names", "language_of", "wording"]

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 1.0  # as bot/plugins/nlg.py: an edit is live within a second
_lock = threading.Lock()


@dataclass
class _Known:
    revision: int
    edits: dict[tuple[str, str], str]
    checked: float  # time.monotonic() of the last look at the revision


# One entry per database in use.
_known: dict[str, _Known] = {}


def _fresh(where: str) -> _Known | None:
    """The edits known for a database, if looked at within the last second."""
    known = _known.get(where)
    if known is not None and time.monotonic() - known.checked < REFRESH_SECONDS:
        return known
    return None


def _current_edits(session: Session) -> dict[tuple[str, str], str]:
    """The edits; the revision is looked at once a second at most (a query
    costs about 0.2 ms on SQLite, filling a template a few microseconds)."""
    where = str(session.get_bind().url)
    if (fresh := _fresh(where)) is not None:
        return fresh.edits
    known = _known.get(where)
    now = time.monotonic()
    revision = answers.revision(session)
    if known is None or known.revision != revision:
        known = _Known(revision, answers.edited(session), now)
    with _lock:
        _known[where] = _Known(known.revision, known.edits, now)
    return known.edits


def variant_of(tracker: Tracker) -> str:
    language = tracker.get_slot(LANGUAGE_SLOT)
    return language if language in VARIANT_FILES else STANDARD


def language_of(tracker: Tracker) -> str | None:
    """What staff see of the conversation's language: "en", "leicht" or None."""
    variant = variant_of(tracker)
    return None if variant == STANDARD else variant


def wording(session: Session, tracker: Tracker) -> Wording:
    return Wording(variant_of(tracker), _current_edits(session))


async def current_wording(tracker: Tracker) -> Wording:
    """For an action without a session of its own; while the database is away,
    the edits last read (or the shipped texts). Within the second after the
    last look, no thread and no transaction: the edits are known."""
    if (fresh := _fresh(str(database().engine.url))) is not None:
        return Wording(variant_of(tracker), fresh.edits)
    try:
        edits = await database().run(_current_edits, read_only=True)
    except SQLAlchemyError:
        logger.warning("edited templates not read: database unavailable")
        known = _known.get(str(database().engine.url))
        edits = known.edits if known else {}
    return Wording(variant_of(tracker), edits)
