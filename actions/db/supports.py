"""Support for published suggestions: once per citizen (by pseudonym), with the
suggestion's news through their own channel if they ask for it.

A pseudonym costs a web session, that is nothing; so supports are also limited
per client address and day (`address_key`, a keyed hash of the address that
changes daily, core.secret_key.address_key), and staff see how many came in
the last hour and how many of those from one address.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from actions.db.models import Suggestion, Support, utcnow
from actions.db.session import take_turns
from actions.db.suggestions import CLOSED, by_reference

BURST_WINDOW = timedelta(hours=1)
# The key counts one day; a day later it only tells who someone was.
ADDRESS_KEY_LIFETIME = timedelta(days=2)


class NotSupportable(ValueError):
    """`reason`: "unknown", "not_public", "closed", "own", or "address_limit"
    (the citizen's address has backed as often as one day allows)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def supportable(session: Session, reference: str, sender_key: str) -> Suggestion:
    """The suggestion, if the public may back it and it is not the sender's own;
    for a duplicate, its published original."""
    suggestion = by_reference(session, reference)
    if suggestion is None:
        raise NotSupportable("unknown")
    if suggestion.published_at is None or suggestion.hidden_at is not None:
        raise NotSupportable("not_public")  # to others it does not exist
    if suggestion.status == "duplikat" and suggestion.duplicate_of_id is not None:
        original = session.get(Suggestion, suggestion.duplicate_of_id)
        public = original is not None and original.published_at is not None
        if public and original.hidden_at is None and original.status not in CLOSED:
            suggestion = original  # its voices count where the work goes on
    if suggestion.status in CLOSED:
        raise NotSupportable("closed")
    if suggestion.sender_key == sender_key:
        raise NotSupportable("own")
    return suggestion


def add(
    session: Session,
    reference: str,
    sender_key: str,
    *,
    channel: str,
    reply_to: str | None = None,
    now: datetime | None = None,
    address_key: str | None = None,
    daily_limit: int | None = None,
    language: str | None = None,
) -> tuple[Suggestion, bool]:
    """Back a suggestion once. Returns (suggestion, new); asking for news later
    adds `reply_to` to the existing support. A new support from `address_key`
    beyond `daily_limit` (the key is the day's) is NotSupportable."""
    suggestion = supportable(session, reference, sender_key)
    existing = _of(session, suggestion.id, sender_key)
    if existing is None:
        if address_key is not None and daily_limit is not None:
            take_turns(session, f"supports:{address_key}")
            if from_address(session, address_key) >= daily_limit:
                raise NotSupportable("address_limit")
        try:
            with session.begin_nested():
                session.add(Support(suggestion_id=suggestion.id, sender_key=sender_key,
                                    channel=channel, reply_to=reply_to,
                                    address_key=address_key, language=language,
                                    created_at=now or utcnow()))  # fmt: skip
            return suggestion, True
        except IntegrityError:  # the same citizen twice at once: one row
            existing = _of(session, suggestion.id, sender_key)
    if reply_to and existing is not None:
        existing.reply_to, existing.channel = reply_to, channel
        existing.language = language
    return suggestion, False


def _of(session: Session, suggestion_id: int, sender_key: str) -> Support | None:
    return session.scalar(
        select(Support).where(
            Support.suggestion_id == suggestion_id, Support.sender_key == sender_key
        )
    )


def count_column():
    """Each Suggestion row's number of supports, for sorting and listing."""
    return (
        select(func.count(Support.id))
        .where(Support.suggestion_id == Suggestion.id)
        .correlate(Suggestion)
        .scalar_subquery()
    )


def counts(
    session: Session, suggestion_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Supports per suggestion that has any: of the given ones, or of all."""
    statement = select(Support.suggestion_id, func.count(Support.id)).group_by(
        Support.suggestion_id
    )
    if suggestion_ids is not None:
        ids = list(suggestion_ids)
        if not ids:
            return {}
        statement = statement.where(Support.suggestion_id.in_(ids))
    return dict(session.execute(statement).all())


def move_to_original(
    session: Session, duplicate: Suggestion, original: Suggestion
) -> int:
    """Many voices, one suggestion: the duplicate's supporters, and its author,
    now back the original, with their news. Returns how many were moved."""
    backing = {s.sender_key: s for s in _all(session, original.id)}
    moved = 0
    voices = [
        (s.sender_key, s.channel, s.reply_to, s) for s in _all(session, duplicate.id)
    ]
    voices.append((duplicate.sender_key, duplicate.channel, duplicate.reply_to, None))
    for key, channel, reply_to, support in voices:
        if key == original.sender_key or key in backing:
            if key in backing and reply_to and not backing[key].reply_to:
                backing[key].reply_to, backing[key].channel = reply_to, channel
            if support is not None:
                session.delete(support)
            continue
        if support is None:
            support = Support(sender_key=key, channel=channel, reply_to=reply_to,
                              created_at=utcnow())  # fmt: skip
            session.add(support)
        support.suggestion_id = original.id
        backing[key] = support
        moved += 1
    session.flush()
    return moved


def _all(session: Session, suggestion_id: int) -> list[Support]:
    return list(
        session.scalars(select(Support).where(Support.suggestion_id == suggestion_id))
    )


def count(session: Session, suggestion_id: int) -> int:
    return counts(session, [suggestion_id]).get(suggestion_id, 0)


def from_address(session: Session, address_key: str) -> int:
    """Supports given from one address on the key's day."""
    return session.scalar(
        select(func.count(Support.id)).where(Support.address_key == address_key)
    )


@dataclass(frozen=True)
class Burst:
    last_hour: int
    from_one_address: int  # the most that one address gave in that hour


def burst(session: Session, suggestion_id: int, *, now: datetime) -> Burst:
    found = bursts(session, now=now, suggestion_ids=[suggestion_id])
    return found[0][1] if found else Burst(0, 0)


def bursts(
    session: Session,
    *,
    now: datetime,
    suggestion_ids: list[int] | None = None,
    limit: int = 10,
) -> list[tuple[str, Burst]]:
    """The suggestions backed in the last hour, the most backed first, with
    how much of it came from one address: (reference, burst)."""
    recent = Support.created_at >= now - BURST_WINDOW
    if suggestion_ids is not None:
        recent = recent & Support.suggestion_id.in_(suggestion_ids)
    per_address = (
        select(Support.suggestion_id, func.count(Support.id).label("given"))
        .where(recent, Support.address_key.is_not(None))
        .group_by(Support.suggestion_id, Support.address_key)
        .subquery()
    )
    most = (
        select(per_address.c.suggestion_id, func.max(per_address.c.given).label("most"))
        .group_by(per_address.c.suggestion_id)
        .subquery()
    )
    rows = session.execute(
        select(Suggestion.reference, func.count(Support.id), most.c.most)
        .join(Suggestion, Suggestion.id == Support.suggestion_id)
        .outerjoin(most, most.c.suggestion_id == Support.suggestion_id)
        .where(recent)
        .group_by(Suggestion.reference, most.c.most)
        .order_by(func.count(Support.id).desc(), Suggestion.reference)
        .limit(limit)
    ).all()
    return [(reference, Burst(total, most or 0)) for reference, total, most in rows]


def forget_addresses(session: Session, *, now: datetime) -> int:
    """Address keys older than their use: the day's limit and the last hour."""
    return session.execute(
        update(Support)
        .where(
            Support.address_key.is_not(None),
            Support.created_at < now - ADDRESS_KEY_LIFETIME,
        )
        .values(address_key=None)
        .execution_options(synchronize_session=False)
    ).rowcount
