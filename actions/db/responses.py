"""The assistant's answers as staff edit them: seeding from the domain,
edits with versions and audit, restore, and what Rasa lays over its domain.

Only edited texts (edited_at set) replace the domain's; every staff change
writes a version, whose highest id tells each Rasa worker that something
changed (`revision`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from actions.db.audit import record
from actions.db.models import Response, ResponseVersion, utcnow
from core.responses import problems_of


class AnswerError(Exception):
    """An edit that cannot be kept; `problems` are German, for staff."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class SeedReport:
    created: int
    updated: int
    kept: int

    def __str__(self) -> str:
        return (
            f"answers: {self.created} new, {self.updated} updated,"
            f" {self.kept} edited by staff kept"
        )


def seed(session: Session, shipped: Iterable[tuple[str, str, str]]) -> SeedReport:
    """Add the shipped answers (name, variant, text) that are missing and
    update the default text of the others; a staff edit is never overwritten."""
    existing = {(r.name, r.variant): r for r in session.scalars(select(Response))}
    created = updated = kept = 0
    for name, variant, text in shipped:
        row = existing.get((name, variant))
        if row is None:
            session.add(
                Response(name=name, variant=variant, text=text, default_text=text)
            )
            created += 1
            continue
        if row.default_text != text:
            row.default_text = text
            updated += 1
        if row.edited_at is not None:
            kept += 1
        elif row.text != text:
            row.text = text
    return SeedReport(created, updated, kept)


def revision(session: Session) -> int:
    """Grows with every staff change of any answer."""
    return session.scalar(select(func.max(ResponseVersion.id))) or 0


def edited(session: Session) -> dict[tuple[str, str], str]:
    """The texts staff changed, by (name, variant)."""
    rows = session.execute(
        select(Response.name, Response.variant, Response.text).where(
            Response.edited_at.is_not(None)
        )
    )
    return {(name, variant): text for name, variant, text in rows}


def listing(session: Session) -> list[Response]:
    return list(session.scalars(select(Response).order_by(Response.name)))


def get(session: Session, name: str, variant: str) -> Response | None:
    return session.scalar(
        select(Response)
        .where(Response.name == name, Response.variant == variant)
        .options(selectinload(Response.versions))
    )


def _change(session: Session, row: Response, text: str, actor: str, action: str):
    before = row.text
    row.text = text
    row.edited_by, row.edited_at = actor, utcnow()
    row.reviewed_by = row.reviewed_at = None  # the Prüfgruppe saw another text
    if text == row.default_text:
        # Back to what the release ships: later releases update it again.
        row.edited_by = row.edited_at = None
    session.add(
        ResponseVersion(response=row, text_before=before, text_after=text, actor=actor)
    )
    record(
        session,
        actor,
        action,
        "answer",
        f"{row.name} ({row.variant})",
        {"text": before},
        {"text": text},
    )


def edit(session: Session, name: str, variant: str, text: str, actor: str) -> Response:
    """Keep the new text; AnswerError when it breaks a rule of core.responses."""
    row = get(session, name, variant)
    if row is None:
        raise AnswerError(["Diese Antwort gibt es nicht."])
    text = text.replace("\r\n", "\n").strip()
    problems = problems_of(text, row.default_text)
    if problems:
        raise AnswerError(problems)
    if text != row.text:
        _change(session, row, text, actor, "answer_edited")
    return row


def restore(session: Session, name: str, variant: str, version_id: int, actor: str):
    """Bring back the text an answer had before the given change."""
    row = get(session, name, variant)
    version = session.get(ResponseVersion, version_id)
    if row is None or version is None or version.response_id != row.id:
        raise AnswerError(["Diese Fassung gibt es nicht."])
    if version.text_before != row.text:
        _change(session, row, version.text_before, actor, "answer_restored")
    return row


def reset(session: Session, name: str, variant: str, actor: str) -> Response:
    """Back to the text the release ships."""
    row = get(session, name, variant)
    if row is None:
        raise AnswerError(["Diese Antwort gibt es nicht."])
    if row.text != row.default_text:
        _change(session, row, row.default_text, actor, "answer_restored")
    return row


def set_reviewed(
    session: Session, name: str, variant: str, reviewed: bool, actor: str
) -> Response:
    """Record by hand that a Prüfgruppe checked the text as it is now (or not)."""
    row = get(session, name, variant)
    if row is None:
        raise AnswerError(["Diese Antwort gibt es nicht."])
    if reviewed == (row.reviewed_at is not None):
        return row
    row.reviewed_by, row.reviewed_at = (actor, utcnow()) if reviewed else (None, None)
    record(
        session,
        actor,
        "answer_reviewed" if reviewed else "answer_review_withdrawn",
        "answer",
        f"{row.name} ({row.variant})",
        None,
        {"text": row.text} if reviewed else None,
    )
    return row
