"""The sentence that tells a citizen when to expect an answer (issue 36.4):
"Vorschläge zum Thema Mobilität beantwortet das Team meist innerhalb von
6 Tagen." The figures come from actions.db.turnaround."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from actions.db import turnaround
from actions.db.models import utcnow
from actions.db.turnaround import Turnarounds
from actions.sdk.base import database
from actions.sdk.wording import Wording

logger = logging.getLogger(__name__)


def expected_answer(say: Wording, figures: Turnarounds, topic: str) -> str | None:
    """The topic's usual time, else the team's; None without a figure."""
    found = figures.for_topic(topic)
    if found is None:
        return None
    name, figure = found
    if figure.days == 1:
        within = say("tpl_suggestion_answer_within_a_day")
    else:
        within = say("tpl_suggestion_answer_within_days", days=figure.days)
    if name is None:
        return say("tpl_suggestion_answer_time", within=within)
    return say("tpl_suggestion_answer_time_topic", topic=say.name(name), within=within)


async def expected_for_new(say: Wording, topic: str) -> str | None:
    """For a suggestion just handed in. Without the database it says nothing:
    the suggestion is stored, which is what counts."""
    try:
        figures = await database().run(
            lambda s: turnaround.recent(s, now=utcnow()), read_only=True
        )
    except SQLAlchemyError:
        logger.exception("expected answer time not read")
        return None
    return expected_answer(say, figures, topic)
