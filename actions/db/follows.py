"""Following a topic, a district, a project or a published suggestion
(issue 36.2): what a citizen follows, in which chat they hear of it, and the
counts staff see. The news itself is gathered by actions.db.digest.

A follow exists only after the citizen said yes to the question that says
what they will get; "Abbestellen" and "Meine Daten löschen" remove it, and
the retention period ends one nobody renewed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, delete, exists, func, literal, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, aliased

from actions.db.board import public
from actions.db.models import Follow, Suggestion, utcnow
from actions.db.projects import find_project
from actions.db.session import take_turns
from actions.db.suggestions import normalize_reference

KINDS = ("topic", "district", "project", "suggestion")
# Enough for a neighbourhood, two topics and a few ideas; a stranger cannot
# make one chat's digest (or the table) grow without bound.
MAX_FOLLOWS_PER_CITIZEN = 20
MAX_VALUE = 300
CHUNK = 500  # ids per IN (...): well below any driver's limit of parameters


@dataclass(frozen=True)
class Target:
    kind: str
    value: str


class FollowRefused(Exception):
    """`reason`: "unknown" (no such project or published suggestion),
    "limit" (MAX_FOLLOWS_PER_CITIZEN reached)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def canonical(session: Session, target: Target) -> Target:
    """The target as stored: a project by its name, a suggestion by its
    reference, published and not hidden; else FollowRefused("unknown")."""
    if target.kind not in KINDS or not target.value or len(target.value) > MAX_VALUE:
        raise FollowRefused("unknown")
    if target.kind == "project":
        # By name, alias or slug: "Smarte Laternen" is "Smarte Straßenbeleuchtung".
        project = find_project(session, target.value)
        if project is None:
            raise FollowRefused("unknown")
        return Target("project", project.name)
    if target.kind == "suggestion":
        wanted = normalize_reference(target.value) or target.value
        reference = session.scalar(
            select(Suggestion.reference).where(
                Suggestion.reference == wanted, *public()
            )
        )
        if reference is None:  # to others an unpublished one does not exist
            raise FollowRefused("unknown")
        return Target("suggestion", reference)
    return target


def add(
    session: Session,
    sender_key: str,
    target: Target,
    *,
    channel: str,
    recipient: str,
    language: str | None = None,
    now: datetime | None = None,
) -> tuple[Follow, bool]:
    """Follow `target` from this chat; (the follow, whether it is new). Again
    for a followed one, only the chat and language are brought up to date."""
    now = now or utcnow()
    target = canonical(session, target)
    # Two quick yeses of one citizen must not both pass the limit.
    take_turns(session, f"follows:{sender_key}")
    mine = list(session.scalars(select(Follow).where(Follow.sender_key == sender_key)))
    for follow in mine:
        if (follow.kind, follow.value) == (target.kind, target.value):
            follow.channel, follow.recipient = channel, recipient
            follow.language, follow.created_at = language, now  # renewed
            return follow, False
    if len(mine) >= MAX_FOLLOWS_PER_CITIZEN:
        raise FollowRefused("limit")
    follow = Follow(sender_key=sender_key, channel=channel, recipient=recipient,
                    kind=target.kind, value=target.value, language=language,
                    created_at=now, news_since=now)  # fmt: skip
    session.add(follow)
    session.flush()
    return follow, True


def of_citizen(session: Session, sender_key: str) -> list[Follow]:
    return list(
        session.scalars(
            select(Follow)
            .where(Follow.sender_key == sender_key)
            .order_by(Follow.created_at, Follow.id)
        )
    )


def remove(
    session: Session, sender_key: str, target: Target | None = None
) -> list[Target]:
    """Stop following `target`, or everything; what was followed."""
    stopped = of_citizen(session, sender_key)
    if target is not None:
        # Casefolded in Python, as find_project does: SQL's lower() keeps "ß".
        wanted = (target.kind, target.value.casefold())
        stopped = [f for f in stopped if (f.kind, f.value.casefold()) == wanted]
    for follow in stopped:
        session.delete(follow)
    return [Target(f.kind, f.value) for f in stopped]


def delete_for_sender(session: Session, sender_key: str) -> int:
    return session.execute(
        delete(Follow).where(Follow.sender_key == sender_key)
    ).rowcount


def forget_chat(session: Session, sender_key: str) -> None:
    """ "Nur den Verlauf löschen": without the chat there is nobody to tell."""
    delete_for_sender(session, sender_key)


def move(
    session: Session, from_key: str, to_key: str, *, channel: str, recipient: str
) -> int:
    """Carry a citizen's follows to another chat (the web chat's to Telegram);
    one already followed there stays once, and the chat's budget holds: what
    does not fit stays where it was. The number carried."""
    there = {(f.kind, f.value) for f in of_citizen(session, to_key)}
    moved = 0
    for follow in of_citizen(session, from_key):
        if (follow.kind, follow.value) in there:
            session.delete(follow)
            continue
        if len(there) + moved >= MAX_FOLLOWS_PER_CITIZEN:
            break
        follow.sender_key, follow.channel = to_key, channel
        follow.recipient = recipient
        moved += 1
    return moved


def purge_older_than(
    session: Session, days: int, *, now: datetime | None = None
) -> int:
    """Retention: a follow ends `days` after it was asked for; following
    again starts it anew."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    return session.execute(delete(Follow).where(Follow.created_at < cutoff)).rowcount


def counts(session: Session) -> dict[str, Counter]:
    """Followers per kind and value, for the staff dashboard."""
    rows = session.execute(
        select(Follow.kind, Follow.value, func.count(Follow.id)).group_by(
            Follow.kind, Follow.value
        )
    )
    found: dict[str, Counter] = {kind: Counter() for kind in KINDS}
    for kind, value, count in rows:
        if kind in found:
            found[kind][value] = count
    return found


def suggestion_titles(session: Session, references: list[str]) -> dict[str, str | None]:
    """The public titles of followed suggestions, for the staff dashboard."""
    titles: dict[str, str | None] = {}
    for start in range(0, len(references), CHUNK):
        titles.update(
            session.execute(
                select(Suggestion.reference, Suggestion.public_title).where(
                    Suggestion.reference.in_(references[start : start + CHUNK])
                )
            ).all()
        )
    return titles


def due(session: Session, day: date) -> list[Row]:
    """The follows of the chats that have not had `day`'s digest, locked
    until it is queued (an "Abbestellen" meanwhile waits for it). A follow
    asked for after the chat's digest waits for the next day's."""
    served = aliased(Follow)
    return list(
        session.execute(
            select(Follow.id, Follow.channel, Follow.recipient, Follow.kind,
                   Follow.value, Follow.language, Follow.created_at,
                   Follow.news_since)
            .where(
                _not_on(day),
                ~exists().where(
                    served.channel == Follow.channel,
                    served.recipient == Follow.recipient,
                    served.digest_on >= day,
                ),
            )
            .with_for_update()
        )
    )  # fmt: skip


def mark_done(session: Session, ids: list[int], *, day: date, until: datetime) -> None:
    """These follows' chats had `day`'s digest, or nothing to tell: later
    runs that day skip them, and the next digest tells what came after
    `until`."""
    for start in range(0, len(ids), CHUNK):
        session.execute(
            update(Follow)
            .where(Follow.id.in_(ids[start : start + CHUNK]), _not_on(day))
            .values(digest_on=day, news_since=_told_until(until))
            .execution_options(synchronize_session=False)
        )


def _not_on(day: date):
    return Follow.digest_on.is_(None) | (Follow.digest_on < day)


def _told_until(until: datetime):
    # A follow asked for in the last minutes starts later than `until`.
    later = literal(until, Follow.news_since.type)  # stored as naive UTC, too
    return case((Follow.news_since > later, Follow.news_since), else_=later)
