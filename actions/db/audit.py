"""The audit log: who changed what, when, with the values before and after."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from actions.db.models import AuditEntry

ACTION_LABELS = {
    "status_changed": "Status geändert",
    "assigned": "Zuständigkeit geändert",
    "marked_duplicate": "Als Duplikat markiert",
    "hidden_as_spam": "Als Spam ausgeblendet",
    "unhidden": "Wieder eingeblendet",
    "published": "Veröffentlicht",
    "public_title_changed": "Öffentlichen Titel geändert",
    "unpublished": "Nicht mehr öffentlich",
    "project_created": "Projekt angelegt",
    "project_updated": "Projekt geändert",
    "event_created": "Termin angelegt",
    "event_updated": "Termin geändert",
    "event_series_created": "Terminreihe angelegt",
    "event_deleted": "Termin gelöscht",
    "event_series_deleted": "Terminreihe gelöscht",
    "events_imported": "Termine importiert",
    "user_added": "Konto angelegt",
    "user_disabled": "Konto gesperrt",
    "user_enabled": "Konto entsperrt",
    "password_reset": "Passwort zurückgesetzt",
    "csv_exported": "Export heruntergeladen",
    "suggestion_deleted": "Vorschlag gelöscht (auf Antrag)",
    "suggestion_messaged": "Nachricht an die Person gesendet",
    "suggestion_deleted_by_citizen": "Vorschlag gelöscht (im Chat, von der Person selbst)",
    "suggestion_carried_to_telegram": "Auf Telegram weiterverfolgt (von der Person selbst)",
    "live_available": "Im Live-Chat erreichbar",
    "live_unavailable": "Im Live-Chat nicht mehr erreichbar",
    "live_taken": "Live-Chat übernommen",
    "live_replied": "Im Live-Chat geantwortet",
    "live_ended": "Live-Chat beendet",
    "answer_edited": "Antwort des Assistenten geändert",
    "answer_restored": "Antwort des Assistenten zurückgeholt",
    "answer_reviewed": "Leichte Sprache: als geprüft markiert",
    "answer_review_withdrawn": "Leichte Sprache: Prüfung zurückgenommen",
    "callback_status": "Rückrufwunsch: Status geändert",
    "callback_answered": "Rückrufwunsch beantwortet",
}


# Entries whose values may hold a citizen's words: the staff's internal note
# (it may quote them) in a status change, and the reviewed message itself.
NOTE_ACTIONS = ("status_changed",)
NOTE_KEY = "internal_note"
MESSAGE_ACTION = "nlu_reviewed"


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    entry = AuditEntry(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


def page(session: Session, *, offset: int, limit: int) -> tuple[list[AuditEntry], int]:
    total = session.scalar(select(func.count(AuditEntry.id)))
    entries = session.scalars(
        select(AuditEntry)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(entries), total


def _without_notes(entry: AuditEntry) -> bool:
    """Blank the internal note in `entry`'s values; whether there was one."""
    changed = False
    for side in ("before", "after"):
        values = getattr(entry, side)
        if isinstance(values, dict) and values.get(NOTE_KEY) is not None:
            setattr(
                entry, side, {**values, NOTE_KEY: None}
            )  # a new dict: JSON is saved
            changed = True
    return changed


def purge_words_before(session: Session, before: datetime) -> int:
    """Retention: entries older than `before` keep who did what, not the
    citizen's words. The number of entries changed."""
    changed = session.execute(
        update(AuditEntry)
        .where(
            AuditEntry.action == MESSAGE_ACTION,
            AuditEntry.at < before,
            AuditEntry.object_id != "",
        )
        .values(object_id="")
        .execution_options(synchronize_session=False)
    ).rowcount
    notes = select(AuditEntry).where(
        AuditEntry.action.in_(NOTE_ACTIONS), AuditEntry.at < before
    )
    changed += sum(_without_notes(entry) for entry in session.scalars(notes))
    return changed


def forget_internal_notes(
    session: Session, object_type: str, object_ids: Iterable[str]
) -> None:
    """An erased object's entries keep no internal note about it."""
    ids = list(object_ids)
    for start in range(0, len(ids), 500):
        entries = select(AuditEntry).where(
            AuditEntry.object_type == object_type,
            AuditEntry.object_id.in_(ids[start : start + 500]),
            AuditEntry.action.in_(NOTE_ACTIONS),
        )
        for entry in session.scalars(entries):
            _without_notes(entry)
