"""What a citizen has left with the city, named before it is deleted.

"Verlauf löschen" in the widget asks first, and says exactly what would go:
each suggestion by its reference (and whether others back it on the public
board), the support given to others' suggestions, what they follow, and
messages to the team.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.db import follows, supports
from actions.db.models import CallbackRequest, Support
from actions.db.suggestions import STATUS_LABELS, for_sender


@dataclass(frozen=True)
class HandedIn:
    reference: str
    status: str
    published: bool
    supporters: int


@dataclass
class PersonalData:
    suggestions: list[HandedIn] = field(default_factory=list)
    supports: int = 0
    messages: int = 0
    follows: list[str] = field(default_factory=list)  # "Innenstadt", "V-7KQ2-M9XD"

    def as_dict(self) -> dict:
        return {
            "suggestions": [vars(s) for s in self.suggestions],
            "supports": self.supports,
            "messages": self.messages,
            "follows": self.follows,
        }


def left_by(session: Session, sender_key: str) -> PersonalData:
    own = for_sender(session, sender_key)
    backing = supports.counts(session, [s.id for s in own])
    return PersonalData(
        suggestions=[
            HandedIn(
                reference=s.reference,
                status=STATUS_LABELS[s.status],
                published=s.published_at is not None,
                supporters=backing.get(s.id, 0),
            )
            for s in own
        ],
        supports=session.scalar(
            select(func.count()).where(Support.sender_key == sender_key)
        )
        or 0,
        messages=session.scalar(
            select(func.count()).where(CallbackRequest.sender_key == sender_key)
        )
        or 0,
        follows=[f.value for f in follows.of_citizen(session, sender_key)],
    )
