"""The audit log: who changed what, when, with the values before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
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
    "events_imported": "Termine importiert",
    "user_added": "Konto angelegt",
    "user_disabled": "Konto gesperrt",
    "user_enabled": "Konto entsperrt",
    "password_reset": "Passwort zurückgesetzt",
    "csv_exported": "Export heruntergeladen",
    "suggestion_deleted": "Vorschlag gelöscht (auf Antrag)",
    "suggestion_messaged": "Nachricht an die Person gesendet",
    "suggestion_deleted_by_citizen": "Vorschlag gelöscht (im Chat, von der Person selbst)",
    "live_available": "Im Live-Chat erreichbar",
    "live_unavailable": "Im Live-Chat nicht mehr erreichbar",
    "live_taken": "Live-Chat übernommen",
    "live_replied": "Im Live-Chat geantwortet",
    "live_ended": "Live-Chat beendet",
    "callback_status": "Rückrufwunsch: Status geändert",
    "callback_answered": "Rückrufwunsch beantwortet",
}


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
