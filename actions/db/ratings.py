"""Citizens' 👍/👎 on the assistant's answers, and the share of 👍 per answer.

A rating keeps the question, the intent, the response and the channel, and
the citizen's pseudonym instead of their chat: "Meine Daten löschen" deletes
the ratings of every session by it (Rasa's action server sees only the
latest session, so the offer ids of the conversation were not enough).
Retention removes the words and the pseudonym; the rating stays.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from actions.db.models import AnswerRating, utcnow

UP, DOWN = "up", "down"
RATINGS = (UP, DOWN)
MAX_QUESTION = 500
MAX_COMMENT = 1000
MAX_OFFER_ID = 32


# Staff read the answer, not the action that computed it.
ANSWER_NAMES = {
    "action_project_info": "Projekt-Steckbrief",
    "action_list_projects": "Projektliste",
    "action_list_events": "Terminliste",
}


def answer_name(response: str) -> str:
    if response.startswith("utter_faq/"):
        return f"FAQ „{response.removeprefix('utter_faq/')}“"
    return ANSWER_NAMES.get(response, response)


@dataclass(frozen=True)
class NewRating:
    offer_id: str
    question: str | None
    intent: str
    response: str
    channel: str
    rating: str
    sender_key: str | None = None


def rate(session: Session, new: NewRating) -> AnswerRating:
    """Store the rating; rating the same answer again changes it."""
    if new.rating not in RATINGS:
        raise ValueError(f"unknown rating {new.rating!r}")
    row = session.scalars(
        select(AnswerRating).where(AnswerRating.offer_id == new.offer_id)
    ).one_or_none()
    if row is None:
        row = AnswerRating(
            offer_id=new.offer_id[:MAX_OFFER_ID], intent=new.intent[:120],
            response=new.response[:160], channel=new.channel[:40],
            question=(new.question or "")[:MAX_QUESTION] or None,
            sender_key=new.sender_key,
        )  # fmt: skip
        session.add(row)
    if row.rating != new.rating:
        row.comment = None  # a comment said what a 👎 answer lacked
    row.rating = new.rating
    session.flush()
    return row


def add_comment(session: Session, offer_id: str, comment: str) -> bool:
    """What was missing from a 👎 answer; False when there is no such rating."""
    text = " ".join(comment.split())[:MAX_COMMENT]
    return bool(
        text
        and session.execute(
            update(AnswerRating)
            .where(AnswerRating.offer_id == offer_id, AnswerRating.rating == DOWN)
            .values(comment=text, updated_at=utcnow())
        ).rowcount
    )


def delete_for_sender(session: Session, sender_key: str) -> int:
    """ "Meine Daten löschen": the citizen's ratings, from every session."""
    return session.execute(
        delete(AnswerRating).where(AnswerRating.sender_key == sender_key)
    ).rowcount


def delete_offers(session: Session, offer_ids: set[str]) -> int:
    ids = sorted(i for i in offer_ids if isinstance(i, str) and i)
    gone = 0
    for start in range(0, len(ids), 500):
        gone += session.execute(
            delete(AnswerRating).where(
                AnswerRating.offer_id.in_(ids[start : start + 500])
            )
        ).rowcount
    return gone


def purge_words_before(session: Session, before: datetime) -> int:
    """Retention: the citizen's words go; the rating stays for the statistics."""
    personal = (
        AnswerRating.question.is_not(None)
        | AnswerRating.comment.is_not(None)
        | AnswerRating.sender_key.is_not(None)
    )
    return session.execute(
        update(AnswerRating)
        .where(AnswerRating.created_at < before, personal)
        .values(question=None, comment=None, sender_key=None)
    ).rowcount


def down_rated(
    session: Session, since: datetime, until: datetime, limit: int | None = None
) -> list[Row]:
    """👎 ratings in [since, until) that still have the question (question,
    response, comment, created_at), oldest first; with a limit, the newest
    `limit` of them."""
    newest_first = list(
        session.execute(
            select(
                AnswerRating.question,
                AnswerRating.response,
                AnswerRating.comment,
                AnswerRating.created_at,
            )
            .where(
                AnswerRating.rating == DOWN,
                AnswerRating.question.is_not(None),
                AnswerRating.created_at >= since,
                AnswerRating.created_at < until,
            )
            .order_by(AnswerRating.created_at.desc(), AnswerRating.id.desc())
            .limit(limit)
        )
    )
    return newest_first[::-1]


@dataclass
class AnswerShare:
    """One answer (intent and response): ratings per week, oldest week first."""

    intent: str
    response: str
    weeks: list[tuple[int, int]] = field(default_factory=list)  # (👍, all)

    @property
    def rated(self) -> int:
        return sum(w[1] for w in self.weeks)


def percent(up: int, rated: int) -> float | None:
    return 100 * up / rated if rated else None


def overall(answers: list[AnswerShare], weeks: int) -> list[tuple[int, int]]:
    """(👍, all) per week over every answer."""
    return [
        (sum(a.weeks[i][0] for a in answers), sum(a.weeks[i][1] for a in answers))
        for i in range(weeks)
    ]


def week_start(moment: datetime, tz: ZoneInfo) -> date:
    local = moment.astimezone(tz).date()
    return local - timedelta(days=local.weekday())


def shares(
    session: Session, *, weeks: int, now: datetime, tz: ZoneInfo
) -> tuple[list[date], list[AnswerShare]]:
    """The share of 👍 per answer for the last `weeks` calendar weeks, the
    answers with the most ratings first."""
    this_week = week_start(now, tz)
    mondays = [this_week - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    since = datetime.combine(mondays[0], datetime.min.time(), tz)
    rows = session.execute(
        select(AnswerRating.intent, AnswerRating.response,
               AnswerRating.rating, AnswerRating.created_at)
        .where(AnswerRating.created_at >= since)
    ).all()  # fmt: skip
    counts: dict[tuple[str, str], dict[date, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    for intent, response, rating, created in rows:
        cell = counts[(intent, response)][week_start(created, tz)]
        cell[0] += rating == UP
        cell[1] += 1
    answers = [
        AnswerShare(intent, response, [tuple(per_week.get(m, (0, 0))) for m in mondays])
        for (intent, response), per_week in counts.items()
    ]
    answers.sort(key=lambda a: (-a.rated, a.intent, a.response))
    return mondays, answers


def share_by_response(
    session: Session, since: datetime, response: str | None = None
) -> dict[str, tuple[int, int]]:
    """(👍, all) per response since `since`; only `response`'s, if given."""
    query = select(AnswerRating.response, AnswerRating.rating).where(
        AnswerRating.created_at >= since
    )
    if response is not None:
        query = query.where(AnswerRating.response == response)
    rows = session.execute(query)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for response, rating in rows:
        counts[response][0] += rating == UP
        counts[response][1] += 1
    return {response: (up, total) for response, (up, total) in counts.items()}


def last_down_comments(session: Session, response: str, limit: int = 3) -> list[Row]:
    """The newest 👎 comments on one response (comment, created_at)."""
    return list(
        session.execute(
            select(AnswerRating.comment, AnswerRating.created_at)
            .where(
                AnswerRating.response == response,
                AnswerRating.rating == DOWN,
                AnswerRating.comment.is_not(None),
            )
            .order_by(AnswerRating.created_at.desc(), AnswerRating.id.desc())
            .limit(limit)
        )
    )
