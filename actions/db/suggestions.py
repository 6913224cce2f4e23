"""Citizen suggestions: creation, lookup, status changes with outbox, deletion.

Every function takes an open session; the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from actions.db import audit, photos
from actions.db import responses as answers
from actions.db.audit import record
from actions.db.models import (
    Notification,
    Photo,
    StatusChange,
    Suggestion,
    Support,
    TelegramLink,
    ThreadReply,
    utcnow,
)
from actions.db.notifications import EMAIL_CHANNEL, discard_unsent_email
from core.places import Position
from core.responses import STANDARD
from core.wording import Wording

# Crockford's base32: no I, L, O or U, so references are easy to read aloud.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# "V-7KQ2-M9XD", also typed as "v7kq2m9xd", "V 7KQ2 M9XD" or with en dashes.
REFERENCE_PATTERN = re.compile(
    r"\bV([-‐–—\s]?)([0-9A-Z]{4})([-‐–—\s]?)([0-9A-Z]{4})\b", re.IGNORECASE
)
DASHES = set("-‐–—")
REFERENCE_ATTEMPTS = 10

STATUS_LABELS = {
    "eingegangen": "eingegangen",
    "in_pruefung": "in Prüfung",
    "angenommen": "angenommen",
    "umgesetzt": "umgesetzt",
    "abgelehnt": "abgelehnt",
    "duplikat": "Duplikat",
    "zurueckgezogen": "zurückgezogen",
}
TRANSITIONS = {
    "eingegangen": {
        "in_pruefung",
        "angenommen",
        "abgelehnt",
        "duplikat",
        "zurueckgezogen",
    },
    "in_pruefung": {"angenommen", "abgelehnt", "duplikat", "zurueckgezogen"},
    "angenommen": {"umgesetzt", "abgelehnt", "zurueckgezogen"},
    "abgelehnt": {"in_pruefung"},
    "duplikat": {"in_pruefung"},
    "umgesetzt": set(),
    "zurueckgezogen": set(),
}
CLOSED = {"umgesetzt", "abgelehnt", "duplikat", "zurueckgezogen"}
NEEDS_PUBLIC_NOTE = {"abgelehnt"}
# `changed_by` of a status change the citizen made; staff changes name the account.
CITIZEN = "buerger"


class SuggestionRefused(Exception):
    """The suggestion cannot be stored; `reason` says why, for the citizen."""

    def __init__(self, reason: str, existing: Suggestion | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.existing = existing


class InvalidTransition(ValueError):
    pass


@dataclass(frozen=True)
class NewSuggestion:
    form_run_id: str
    channel: str
    sender_key: str
    text: str
    topic: str
    location: str | None = None
    position: Position | None = None
    district: str | None = None
    reply_to: str | None = None
    email: str | None = None
    email_consent_at: datetime | None = None
    public_consent_at: datetime | None = None
    language: str | None = None  # "en" or "leicht"; None: standard German


def new_reference(prefix: str = "V") -> str:
    """Eight random Crockford characters, at least one a digit (see below)."""
    while True:
        chars = "".join(secrets.choice(CROCKFORD) for _ in range(8))
        if any(c.isdigit() for c in chars):
            return f"{prefix}-{chars[:4]}-{chars[4:]}"


def normalize_reference(text: str) -> str | None:
    """The reference in `text`, in canonical form; Crockford's look-alikes are mapped.

    Without both dashes it must hold a digit: "Vorschlag" is V + ORSC + HLAG, and
    with O read as 0 and L as 1 it would become V-0RSC-H1AG.
    """
    for match in REFERENCE_PATTERN.finditer(text or ""):
        first, second = match.group(1), match.group(3)
        raw = (match.group(2) + match.group(4)).upper()
        dashed = first in DASHES and second in DASHES
        if not dashed and not any(c.isdigit() for c in raw):
            continue
        raw = raw.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
        if all(c in CROCKFORD for c in raw):
            return f"V-{raw[:4]}-{raw[4:]}"
    return None


def fingerprint(text: str) -> str:
    """Same idea, same fingerprint: case, spacing and punctuation do not count."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = re.findall(r"\w+", folded)
    return hashlib.sha256(" ".join(words).encode()).hexdigest()


def by_form_run(session: Session, form_run_id: str) -> Suggestion | None:
    return session.scalar(
        select(Suggestion).where(Suggestion.form_run_id == form_run_id)
    )


def by_reference(
    session: Session, reference: str, *, for_update: bool = False
) -> Suggestion | None:
    """With for_update, the row stays locked until the transaction ends, so that
    two staff clicks at once change it (and notify the citizen) only once."""
    statement = (
        select(Suggestion)
        .where(Suggestion.reference == reference)
        .options(selectinload(Suggestion.history))
    )
    if for_update:
        statement = statement.with_for_update(of=Suggestion)
    return session.scalar(statement)


def for_sender(session: Session, sender_key: str) -> list[Suggestion]:
    return list(
        session.scalars(
            select(Suggestion)
            .where(Suggestion.sender_key == sender_key)
            .order_by(Suggestion.created_at.desc(), Suggestion.id.desc())
        )
    )


def same_text_from_sender(
    session: Session, sender_key: str, text: str
) -> Suggestion | None:
    return session.scalar(
        select(Suggestion).where(
            Suggestion.sender_key == sender_key,
            Suggestion.text_fingerprint == fingerprint(text),
            Suggestion.status != "zurueckgezogen",
        )
    )


def count_since(session: Session, sender_key: str, since: datetime) -> int:
    return session.scalar(
        select(func.count(Suggestion.id)).where(
            Suggestion.sender_key == sender_key, Suggestion.created_at >= since
        )
    )


def check_limits(
    session: Session, sender_key: str, *, daily_limit: int, now: datetime
) -> None:
    """Raise SuggestionRefused when the sender may not hand in another suggestion today."""
    if count_since(session, sender_key, now - timedelta(days=1)) >= daily_limit:
        raise SuggestionRefused("daily_limit")


def create(
    session: Session,
    new: NewSuggestion,
    *,
    daily_limit: int,
    now: datetime | None = None,
) -> tuple[Suggestion, bool]:
    """Store a suggestion once per form run. Returns (suggestion, created)."""
    now = now or utcnow()
    existing = by_form_run(session, new.form_run_id)
    if existing is not None:
        return existing, False
    duplicate = same_text_from_sender(session, new.sender_key, new.text)
    if duplicate is not None:
        raise SuggestionRefused("duplicate_text", duplicate)
    check_limits(session, new.sender_key, daily_limit=daily_limit, now=now)

    for _attempt in range(REFERENCE_ATTEMPTS):
        suggestion = Suggestion(
            reference=new_reference(),
            form_run_id=new.form_run_id,
            channel=new.channel,
            sender_key=new.sender_key,
            text=new.text,
            text_fingerprint=fingerprint(new.text),
            topic=new.topic,
            location=new.location,
            latitude=new.position.latitude if new.position else None,
            longitude=new.position.longitude if new.position else None,
            district=new.district,
            status="eingegangen",
            reply_to=new.reply_to,
            email=new.email,
            email_consent_at=new.email_consent_at if new.email else None,
            public_consent_at=new.public_consent_at,
            language=new.language,
            created_at=now,
        )
        suggestion.history.append(
            StatusChange(changed_at=now, changed_by=CITIZEN, to_status="eingegangen")
        )
        try:
            with session.begin_nested():
                session.add(suggestion)
            photos.attach_pending(session, suggestion)
            return suggestion, True
        except IntegrityError:
            # Either the same form run raced us, or the reference collided: retry.
            existing = by_form_run(session, new.form_run_id)
            if existing is not None:
                return existing, False
    raise RuntimeError("could not find a free reference")  # 32^8 makes this unreachable


Edits = dict[tuple[str, str], str]


def in_their_language(session: Session, suggestion: Suggestion) -> Wording:
    """The templates in the language the citizen handed the suggestion in."""
    return Wording(suggestion.language or STANDARD, answers.edited(session))


def notification_text(
    suggestion: Suggestion, public_note: str | None, edits: Edits
) -> str:
    say = Wording(suggestion.language or STANDARD, edits)
    return say(
        "tpl_news_status",
        reference=suggestion.reference,
        status=say.state(suggestion.status),
        note=public_note or None,
    )


def supporter_text(
    suggestion: Suggestion, language: str | None, note: str | None, edits: Edits
) -> str:
    say = Wording(language or STANDARD, edits)
    return say(
        "tpl_news_supported",
        title=suggestion.public_title or suggestion.reference,
        reference=suggestion.reference,
        status=say.state(suggestion.status),
        note=note or None,
    )


def change_status(
    session: Session,
    suggestion: Suggestion,
    to_status: str,
    *,
    actor: str,
    public_note: str | None = None,
    public_note_on_board: bool = False,
    internal_note: str | None = None,
    now: datetime | None = None,
) -> StatusChange:
    """Move a suggestion along an allowed transition, record it, and queue notifications.

    This is the one function staff code calls to change a status. The reply
    goes to the citizen; to the board and the supporters only on_board.
    """
    now = now or utcnow()
    if to_status not in TRANSITIONS:
        raise InvalidTransition(f"unknown status {to_status!r}")
    if to_status not in TRANSITIONS[suggestion.status]:
        raise InvalidTransition(f"{suggestion.status} cannot become {to_status}")
    note = (public_note or "").strip() or None
    if to_status in NEEDS_PUBLIC_NOTE and not note:
        raise InvalidTransition(f"{to_status} needs a public note with the reason")
    change = StatusChange(
        changed_at=now,
        changed_by=actor,
        from_status=suggestion.status,
        to_status=to_status,
        public_note=note,
        on_board=bool(note) and public_note_on_board,
        internal_note=(internal_note or "").strip() or None,
    )
    suggestion.history.append(change)
    suggestion.status = to_status
    suggestion.closed_at = now if to_status in CLOSED else None
    edits = answers.edited(session)  # once for the citizen and every supporter
    news = notification_text(suggestion, note, edits)
    if suggestion.reply_to:
        session.add(
            Notification(
                suggestion_id=suggestion.id,
                channel=suggestion.channel,
                recipient=suggestion.reply_to,
                text=news,
                created_at=now,
                attempts=0,
            )
        )
    queue_email(session, suggestion, news, now=now)
    supporters = select(Support).where(
        Support.suggestion_id == suggestion.id, Support.reply_to.is_not(None)
    )
    for support in session.scalars(supporters):
        session.add(
            Notification(
                suggestion_id=suggestion.id,
                channel=support.channel,
                recipient=support.reply_to,
                text=supporter_text(
                    suggestion,
                    support.language,
                    note if change.on_board else None,
                    edits,
                ),
                created_at=now,
                attempts=0,
            )
        )
    return change


def queue_email(
    session: Session, suggestion: Suggestion, text: str, *, now: datetime
) -> Notification | None:
    """The same news by e-mail, only to an address given with consent."""
    if not (suggestion.email and suggestion.email_consent_at):
        return None
    row = Notification(
        suggestion_id=suggestion.id,
        channel=EMAIL_CHANNEL,
        recipient=suggestion.email,
        text=text,
        created_at=now,
        attempts=0,
    )
    session.add(row)
    return row


def email_address(session: Session, suggestion_id: int) -> str | None:
    """The address news of this suggestion go to, if any (for unsubscribing)."""
    return session.scalar(
        select(Suggestion.email).where(Suggestion.id == suggestion_id)
    )


def unsubscribe_email(session: Session, suggestion_id: int, address: str) -> int:
    """The citizen wants no more e-mail: the address and its consent go from
    every suggestion that has it, and what was not sent yet stays unsent.
    The number of suggestions changed; 0 if the address is gone already."""
    found = session.get(Suggestion, suggestion_id)
    if found is None or found.email != address:
        return 0
    discard_unsent_email(session, address)
    return session.execute(
        update(Suggestion)
        .where(Suggestion.email == address)
        .values(email=None, email_consent_at=None)
        .execution_options(synchronize_session="fetch")
    ).rowcount


def latest_public_note(
    suggestion: Suggestion, *, on_board_only: bool = False
) -> str | None:
    """The latest reply to the citizen; with on_board_only, the latest one
    staff wrote for everyone."""
    notes = [
        c.public_note
        for c in suggestion.history
        if c.public_note and (c.on_board or not on_board_only)
    ]
    return notes[-1] if notes else None


def _delete_where(session: Session, which) -> int:
    """Erase the suggestions `which` selects, with history and outbox rows;
    duplicates pointing at them lose the link (ON DELETE SET NULL). The audit
    log forgets the internal notes about them: those may quote the citizen."""
    audit.forget_internal_notes(
        session,
        "suggestion",
        session.scalars(select(Suggestion.reference).where(which)),
    )
    ids = select(Suggestion.id).where(which)
    dependents = (Notification, StatusChange, Photo, Support, ThreadReply, TelegramLink)
    for dependent in dependents:
        session.execute(
            delete(dependent)
            .where(dependent.suggestion_id.in_(ids))
            .execution_options(synchronize_session="fetch")
        )
    return session.execute(
        delete(Suggestion).where(which).execution_options(synchronize_session="fetch")
    ).rowcount


def delete_for_sender(session: Session, sender_key: str) -> int:
    """Erase every suggestion of a sender ("Meine Daten löschen"), the photos
    still waiting for a form, and their support of others' suggestions (with
    its news subscriptions). Each erased suggestion leaves an audit entry
    without its text, so staff see why a published one left the board."""
    photos.discard_pending(session, sender_key)
    session.execute(
        delete(Support)
        .where(Support.sender_key == sender_key)
        .execution_options(synchronize_session="fetch")
    )
    for suggestion in for_sender(session, sender_key):
        record(session, "citizen", "suggestion_deleted_by_citizen", "suggestion",
               suggestion.reference, deletion_facts(suggestion), None)  # fmt: skip
    return _delete_where(session, Suggestion.sender_key == sender_key)


def deletion_facts(suggestion: Suggestion) -> dict[str, str | bool]:
    """What the audit log keeps of an erased suggestion: never its words."""
    return {
        "status": suggestion.status,
        "channel": suggestion.channel,
        "created_at": suggestion.created_at.isoformat(),
        "published": suggestion.published_at is not None,
    }


def forget_chat(session: Session, sender_key: str) -> int:
    """ "Nur den Verlauf leeren": the suggestions stay with the city, but no
    news can reach a conversation that is gone; the number they were."""
    session.execute(
        update(Support)
        .where(Support.sender_key == sender_key)
        .values(reply_to=None)
        .execution_options(synchronize_session="fetch")
    )
    return session.execute(
        update(Suggestion)
        .where(Suggestion.sender_key == sender_key, Suggestion.reply_to.is_not(None))
        .values(reply_to=None)
        .execution_options(synchronize_session="fetch")
    ).rowcount


def delete_one(session: Session, suggestion: Suggestion) -> None:
    """Erase one suggestion on its author's request to staff (GDPR Art. 17)."""
    _delete_where(session, Suggestion.id == suggestion.id)


def purge_contact_data(session: Session, closed_before: datetime) -> int:
    """Drop contact data of suggestions closed before the given time, and a
    shared position: it tells where the citizen stood. The district stays.
    Their supporters' chats go too: no news is left to send there."""
    closed = select(Suggestion.id).where(Suggestion.closed_at < closed_before)
    session.execute(
        update(Support)
        .where(Support.suggestion_id.in_(closed), Support.reply_to.is_not(None))
        .values(reply_to=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(Notification)
        .where(
            Notification.suggestion_id.in_(closed),
            Notification.channel == EMAIL_CHANNEL,
            Notification.sent_at.is_(None),
        )
        .execution_options(synchronize_session=False)
    )
    personal = (
        Suggestion.email.is_not(None)
        | Suggestion.reply_to.is_not(None)
        | Suggestion.latitude.is_not(None)
    )
    return session.execute(
        update(Suggestion)
        .where(Suggestion.closed_at < closed_before, personal)
        .values(
            email=None,
            email_consent_at=None,
            reply_to=None,
            latitude=None,
            longitude=None,
        )
    ).rowcount


def purge_internal_notes(session: Session, closed_before: datetime) -> int:
    """Drop staff notes of suggestions closed before the given time: they may
    quote the citizen. Public replies stay; the citizen has read them."""
    closed = select(Suggestion.id).where(Suggestion.closed_at < closed_before)
    return session.execute(
        update(StatusChange)
        .where(
            StatusChange.suggestion_id.in_(closed),
            StatusChange.internal_note.is_not(None),
        )
        .values(internal_note=None)
        .execution_options(synchronize_session=False)
    ).rowcount
