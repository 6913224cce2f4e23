"""What a reviewer does to a suggestion; every change is written to the audit log.

Each function takes an open session (the caller owns the transaction) and raises
ReviewError with a German message for the reviewer when it cannot be done.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.db import accounts, suggestions, supports
from actions.db.audit import record
from actions.db.models import Notification, Suggestion, utcnow
from actions.db.suggestions import (
    STATUS_LABELS,
    TRANSITIONS,
    InvalidTransition,
    in_their_language,
    queue_email,
)

MAX_NOTE_LENGTH = 2000
MIN_TITLE, MAX_TITLE = 5, 120
DUPLICATE_NOTE = (
    "Ein gleicher Vorschlag liegt uns bereits vor. Wir bearbeiten beide gemeinsam "
    "weiter. Vielen Dank für Ihre Idee!"
)


class ReviewError(ValueError):
    """The change cannot be done; the message tells the reviewer why, in German."""


def load(
    session: Session, reference: str, *, for_update: bool = False
) -> Suggestion | None:
    """The suggestion with its history, for a reference as a person types it."""
    canonical = suggestions.normalize_reference(reference)
    if not canonical:
        return None
    return suggestions.by_reference(session, canonical, for_update=for_update)


def _required(session: Session, reference: str) -> Suggestion:
    """The suggestion to change, locked: a second click waits and sees the first."""
    suggestion = load(session, reference, for_update=True)
    if suggestion is None:
        raise ReviewError(f"Den Vorschlag {reference} gibt es nicht.")
    return suggestion


def _note(text: str | None, label: str) -> str | None:
    note = (text or "").strip() or None
    if note and len(note) > MAX_NOTE_LENGTH:
        raise ReviewError(f"{label} ist zu lang (höchstens {MAX_NOTE_LENGTH} Zeichen).")
    return note


def send_message(session: Session, reference: str, text: str, *, actor: str) -> None:
    """A message to the citizen about their suggestion, the status unchanged
    ("Wann passt Ihnen ein Ortstermin?"); their next message is offered to
    them as the answer (actions.db.threads)."""
    suggestion = _required(session, reference)
    note = _note(text, "Die Nachricht")
    if not note:
        raise ReviewError("Bitte schreiben Sie eine Nachricht.")
    if not suggestion.reply_to:
        raise ReviewError(
            "Die Person möchte keine Nachrichten über den Chat. Die Nachricht "
            "wurde nicht gesendet."
        )
    say = in_their_language(session, suggestion)
    text = say("tpl_news_message", reference=suggestion.reference, note=note)
    session.add(
        Notification(
            suggestion_id=suggestion.id, channel=suggestion.channel,
            recipient=suggestion.reply_to, text=text,
            created_at=utcnow(), attempts=0,
        )
    )  # fmt: skip
    # By e-mail too, with a hint: the answer belongs in the chat (threads).
    queue_email(session, suggestion, f"{text}\n{say('tpl_news_reply_in_chat')}",
                now=utcnow())  # fmt: skip
    record(session, actor, "suggestion_messaged", "suggestion", reference,
           None, {"length": len(note)})  # fmt: skip


def next_statuses(suggestion: Suggestion) -> list[str]:
    """Where the status form may go; a duplicate is marked with its own form."""
    return [
        status
        for status in STATUS_LABELS
        if status in TRANSITIONS[suggestion.status] and status != "duplikat"
    ]


def set_status(
    session: Session,
    reference: str,
    to_status: str,
    *,
    actor: str,
    public_note: str | None = None,
    on_board: bool = False,
    internal_note: str | None = None,
) -> Suggestion:
    """`on_board`: the reply is written for everyone, not for the citizen alone."""
    suggestion = _required(session, reference)
    if not to_status:
        raise ReviewError("Bitte wählen Sie einen neuen Status.")
    if to_status == "duplikat":
        raise ReviewError(
            "Bitte nutzen Sie „Als Duplikat markieren“ und nennen das Original."
        )
    public = _note(public_note, "Die Antwort")
    internal = _note(internal_note, "Die interne Notiz")
    before = suggestion.status
    try:
        suggestions.change_status(
            session,
            suggestion,
            to_status,
            actor=actor,
            public_note=public,
            public_note_on_board=on_board,
            internal_note=internal,
        )
    except InvalidTransition:
        if to_status in suggestions.NEEDS_PUBLIC_NOTE and not public:
            raise ReviewError(
                "Bitte schreiben Sie eine Antwort mit dem Grund der Ablehnung."
            ) from None
        raise ReviewError(
            f"Von „{STATUS_LABELS[before]}“ geht es nicht zu "
            f"„{STATUS_LABELS.get(to_status, to_status)}“."
        ) from None
    record(
        session,
        actor,
        "status_changed",
        "suggestion",
        suggestion.reference,
        {"status": before},
        {"status": to_status, "public_note": public, "on_board": bool(public and on_board),
         "internal_note": internal},
    )  # fmt: skip
    return suggestion


def assign(
    session: Session, reference: str, username: str, *, actor: str
) -> Suggestion:
    suggestion = _required(session, reference)
    name = username.strip().lower() or None
    if name and name not in accounts.active_names(session):
        raise ReviewError(f"Es gibt kein aktives Konto „{name}“.")
    before = suggestion.assigned_to
    if before == name:
        return suggestion
    suggestion.assigned_to = name
    record(
        session,
        actor,
        "assigned",
        "suggestion",
        suggestion.reference,
        {"assigned_to": before},
        {"assigned_to": name},
    )
    return suggestion


def _chain(session: Session, start: Suggestion, stop: int) -> list[int]:
    """Ids from `start` along its duplicate links to the original, read
    without locks; up to `stop` (the suggestion being marked) if it is on it."""
    ids = [start.id]
    row = start
    while row.duplicate_of_id is not None and row.id != stop:
        if row.duplicate_of_id in ids:
            break  # a loop from before this check existed
        ids.append(row.duplicate_of_id)
        row = session.get(Suggestion, row.duplicate_of_id)
        if row is None:
            break
    return ids


def _lock_in_order(session: Session, ids: set[int]) -> dict[int, Suggestion]:
    """Lock the rows in id order, fresh from the database: two marks at once
    then wait for each other instead of each holding what the other needs
    (PostgreSQL would fail one with a deadlock)."""
    rows = session.scalars(
        select(Suggestion)
        .where(Suggestion.id.in_(ids))
        .order_by(Suggestion.id)
        .with_for_update(of=Suggestion)
        .execution_options(populate_existing=True)
    )
    return {row.id: row for row in rows}


def _root(locked: dict[int, Suggestion], original: Suggestion, suggestion: Suggestion):
    """The original that `original` repeats (itself if none), on the locked rows,
    so that duplicates never form a chain or a loop."""
    row, seen = original, set()
    while True:
        if row.id in seen:
            raise ReviewError(
                "Die Duplikat-Markierungen dieser Vorschläge bilden einen Kreis. "
                "Bitte prüfen Sie sie."
            )
        seen.add(row.id)
        if row.id == suggestion.id:
            if row is original:
                raise ReviewError(
                    "Ein Vorschlag kann kein Duplikat von sich selbst sein."
                )
            raise ReviewError(
                f"{original.reference} ist schon ein Duplikat von {suggestion.reference}. "
                "Ein Vorschlag kann kein Duplikat von sich selbst sein."
            )
        if row.duplicate_of_id is None:
            return row
        if row.duplicate_of_id not in locked:
            raise ReviewError(
                "Die Vorschläge wurden gerade geändert. Bitte versuchen Sie es noch einmal."
            )
        row = locked[row.duplicate_of_id]


def mark_duplicate(
    session: Session,
    reference: str,
    original_reference: str,
    *,
    actor: str,
    public_note: str | None = None,
    on_board: bool = False,
) -> Suggestion:
    """`on_board` as for set_status; the standard text is for everyone."""
    suggestion = load(session, reference)
    if suggestion is None:
        raise ReviewError(f"Den Vorschlag {reference} gibt es nicht.")
    original = load(session, original_reference)
    if original is None:
        raise ReviewError(f"Das Original „{original_reference}“ gibt es nicht.")
    # The suggestion, the named original and the way to its root, locked at
    # once; then checked again, as another mark may have changed them.
    chain = _chain(session, original, stop=suggestion.id)
    locked = _lock_in_order(session, {suggestion.id, *chain})
    original = _root(locked, original, suggestion)
    if "duplikat" not in TRANSITIONS[suggestion.status]:
        raise ReviewError(
            f"Ein Vorschlag mit Status „{STATUS_LABELS[suggestion.status]}“ kann "
            "kein Duplikat mehr werden."
        )
    before = {"status": suggestion.status, "duplicate_of": None}
    own_words = _note(public_note, "Die Antwort")
    note = own_words or DUPLICATE_NOTE
    suggestions.change_status(
        session,
        suggestion,
        "duplikat",
        actor=actor,
        public_note=note,
        public_note_on_board=on_board or own_words is None,
        internal_note=f"Duplikat von {original.reference}",
    )
    suggestion.duplicate_of_id = original.id
    moved = supports.move_to_original(session, suggestion, original)
    record(
        session,
        actor,
        "marked_duplicate",
        "suggestion",
        suggestion.reference,
        before,
        {"status": "duplikat", "duplicate_of": original.reference, "public_note": note,
         "supporters_moved": moved},
    )  # fmt: skip
    return suggestion


def set_hidden(
    session: Session, reference: str, hidden: bool, *, actor: str
) -> Suggestion:
    """Hide as spam (or show again); the citizen gets no message about it."""
    suggestion = _required(session, reference)
    before = suggestion.hidden_at is not None
    if before == hidden:
        return suggestion
    suggestion.hidden_at = utcnow() if hidden else None
    if hidden:
        suggestion.published_at = None  # spam is never on the board
    record(
        session,
        actor,
        "hidden_as_spam" if hidden else "unhidden",
        "suggestion",
        suggestion.reference,
        {"hidden": before},
        {"hidden": hidden},
    )
    return suggestion


def publish(session: Session, reference: str, title: str, *, actor: str) -> Suggestion:
    """Show on the public board under `title`, or change the title; only with
    the citizen's consent, and never while hidden as spam."""
    suggestion = _required(session, reference)
    if suggestion.public_consent_at is None:
        raise ReviewError(
            "Die Person hat einer Veröffentlichung nicht zugestimmt. Der Vorschlag "
            "bleibt intern."
        )
    if suggestion.hidden_at is not None:
        raise ReviewError(
            "Ein als Spam ausgeblendeter Vorschlag wird nicht veröffentlicht."
        )
    title = " ".join((title or "").split())
    if not MIN_TITLE <= len(title) <= MAX_TITLE:
        raise ReviewError(
            f"Bitte geben Sie einen öffentlichen Titel mit {MIN_TITLE} bis "
            f"{MAX_TITLE} Zeichen an."
        )
    before = {"published": suggestion.published_at is not None,
              "title": suggestion.public_title}  # fmt: skip
    if before == {"published": True, "title": title}:
        return suggestion
    suggestion.public_title = title
    suggestion.published_at = suggestion.published_at or utcnow()
    record(session, actor, "published" if not before["published"] else "public_title_changed",
           "suggestion", suggestion.reference, before,
           {"published": True, "title": title})  # fmt: skip
    return suggestion


def unpublish(session: Session, reference: str, *, actor: str) -> Suggestion:
    """Take off the public board; the title stays for a later publication."""
    suggestion = _required(session, reference)
    if suggestion.published_at is None:
        return suggestion
    suggestion.published_at = None
    record(session, actor, "unpublished", "suggestion", suggestion.reference,
           {"published": True}, {"published": False})  # fmt: skip
    return suggestion


def duplicate_reference(session: Session, suggestion: Suggestion) -> str | None:
    if suggestion.duplicate_of_id is None:
        return None
    original = session.get(Suggestion, suggestion.duplicate_of_id)
    return original.reference if original else None


def duplicates_of(session: Session, suggestion: Suggestion) -> list[str]:
    return list(
        session.scalars(
            select(Suggestion.reference)
            .where(Suggestion.duplicate_of_id == suggestion.id)
            .order_by(Suggestion.created_at)
        )
    )


def delete(session: Session, reference: str, *, actor: str) -> str:
    """Erase a suggestion on a citizen's request; the audit log keeps no text."""
    suggestion = _required(session, reference)
    before = suggestions.deletion_facts(suggestion)
    suggestions.delete_one(session, suggestion)
    record(session, actor, "suggestion_deleted", "suggestion", suggestion.reference,
           before, None)  # fmt: skip
    return suggestion.reference
