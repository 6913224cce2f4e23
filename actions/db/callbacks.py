"""Callback requests: messages left for the team when nobody could chat live.

Status: "offen" -> "in_bearbeitung" -> "erledigt". An answer goes to the
citizen's chat through the outbox, like a suggestion's status news.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from actions.db import notifications
from actions.db import responses as answers
from actions.db.audit import record
from actions.db.models import CallbackRequest, Notification, ThreadReply, utcnow
from actions.db.suggestions import REFERENCE_ATTEMPTS, new_reference
from core.responses import STANDARD
from core.wording import Wording

STATUS_LABELS = {
    "offen": "offen",
    "in_bearbeitung": "in Bearbeitung",
    "erledigt": "erledigt",
}
MAX_ANSWER = 2000
ANSWERED_MEANWHILE = (
    "Inzwischen hat jemand aus dem Team geantwortet. Ihre Antwort ist nicht "
    "gesendet. Bitte lesen Sie die neue Antwort und senden Sie Ihre bei Bedarf "
    "noch einmal."
)


class CallbackError(ValueError):
    """The change cannot be done; the message says why, in German."""


@dataclass(frozen=True)
class NewCallback:
    channel: str
    sender_key: str
    text: str
    contact: str | None = None
    reply_to: str | None = None
    language: str | None = None  # "en" or "leicht"; None: standard German


def create(session: Session, new: NewCallback) -> CallbackRequest:
    for _ in range(REFERENCE_ATTEMPTS):
        row = CallbackRequest(
            reference=new_reference("R"), channel=new.channel,
            sender_key=new.sender_key, text=new.text, contact=new.contact,
            reply_to=new.reply_to, status="offen", language=new.language,
        )  # fmt: skip
        try:
            with session.begin_nested():
                session.add(row)
            return row
        except IntegrityError:
            continue  # the reference was taken: draw another
    raise RuntimeError("no free callback reference")


def listing(session: Session, status: str | None = None, limit: int = 200):
    query = select(CallbackRequest).order_by(CallbackRequest.created_at.desc())
    if status in STATUS_LABELS:
        query = query.where(CallbackRequest.status == status)
    return list(session.scalars(query.limit(limit)))


def by_reference(session: Session, reference: str) -> CallbackRequest | None:
    return session.execute(
        select(CallbackRequest)
        .where(CallbackRequest.reference == reference.strip().upper())
        .with_for_update()
    ).scalar_one_or_none()


def set_status(session: Session, row: CallbackRequest, status: str, actor: str) -> None:
    if status not in STATUS_LABELS:
        raise CallbackError("Diesen Status gibt es nicht.")
    if status == row.status:
        return
    before = {"status": row.status, "handled_by": row.handled_by}
    row.status, row.handled_by = status, actor
    record(session, actor, "callback_status", "callback", row.reference, before,
           {"status": status, "handled_by": actor})  # fmt: skip


def answered_version(row: CallbackRequest) -> str:
    """Which answer the staff page showed ("" for none): a further answer is
    sent only from a page that shows the latest one."""
    return row.answered_at.isoformat() if row.answered_at else ""


def answer(
    session: Session,
    row: CallbackRequest,
    text: str,
    actor: str,
    *,
    seen: str = "",
    now: datetime | None = None,
) -> bool:
    """Send `text` to the citizen's chat; False if there is no chat to send to.
    The request is then done. `row` must be locked (by_reference), and `seen`
    the answered_version of the page the answer was written on: two members
    at once, or a double click, send one answer."""
    now = now or utcnow()
    text = text.strip()
    if not text:
        raise CallbackError("Bitte schreiben Sie eine Antwort.")
    if len(text) > MAX_ANSWER:
        raise CallbackError(f"Die Antwort darf höchstens {MAX_ANSWER} Zeichen haben.")
    if seen != answered_version(row):
        raise CallbackError(ANSWERED_MEANWHILE)
    sent = row.reply_to is not None
    if sent:
        say = Wording(row.language or STANDARD, answers.edited(session))
        worded = say("tpl_news_callback_answer", reference=row.reference, answer=text)
        message = notifications.queue(
            session, row.channel, row.reply_to, worded, now=now
        )
        message.callback_id = row.id  # the citizen's answer to it joins this request
    row.answer, row.answered_at = text, now
    record(session, actor, "callback_answered", "callback", row.reference,
           None, {"sent": sent})  # fmt: skip
    set_status(session, row, "erledigt", actor)
    return sent


def _delete_dependents(session: Session, ids) -> None:
    """The team's answers and the citizen's replies go with their request
    (the delete does not rely on the database enforcing foreign keys)."""
    for dependent in (Notification, ThreadReply):
        session.execute(
            delete(dependent)
            .where(dependent.callback_id.in_(ids))
            .execution_options(synchronize_session="fetch")
        )


def delete_for_sender(session: Session, sender_key: str) -> int:
    mine = CallbackRequest.sender_key == sender_key
    _delete_dependents(session, select(CallbackRequest.id).where(mine))
    return session.execute(delete(CallbackRequest).where(mine)).rowcount


def forget_chat(session: Session, sender_key: str) -> None:
    """The conversation is gone: an answer can no longer reach it there."""
    session.execute(
        update(CallbackRequest)
        .where(CallbackRequest.sender_key == sender_key)
        .values(reply_to=None)
    )


def purge_done_before(session: Session, before: datetime) -> int:
    """Retention: answered or closed requests go after the retention period;
    the chat to reply to goes from those still open, too."""
    done = CallbackRequest.status == "erledigt", CallbackRequest.updated_at < before
    _delete_dependents(session, select(CallbackRequest.id).where(*done))
    gone = session.execute(delete(CallbackRequest).where(*done)).rowcount
    session.execute(
        update(CallbackRequest)
        .where(CallbackRequest.created_at < before)
        .values(reply_to=None, contact=None)
    )
    return gone
