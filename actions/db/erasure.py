"""What a citizen's deletion removes, in one place for the chat and a restore.

The chat's deletion actions (actions.sdk.deletion_actions) call
`delete_everything` and `clear_conversation`; `smartcity restore` applies the
deletion journal (core.deletion_journal) again with `reapply` and
`erase_conversations_again`, so a restored backup keeps nobody's data that
was deleted after it was made.

The journal names a citizen by their pseudonym only. Two things are stored
under the raw chat id instead: notifications to the chat and Rasa's
conversation. A restore finds those by computing the pseudonym of every chat
id it holds and comparing (core.secret_key, the same key as the chat's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, distinct, event, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.future import create_engine
from sqlalchemy.orm import Session

from actions.db import (
    callbacks,
    conversations,
    follows,
    live,
    notifications,
    photos,
    ratings,
    review,
    suggestions,
    telegram_links,
    threads,
)
from actions.db.models import Notification, Suggestion
from core.deletion_journal import (
    CONVERSATION,
    EVERYTHING,
    SUGGESTION,
    UNSUBSCRIBE,
    Deletion,
)

# Rasa stores a turn's events just after the deletion action ran (and the
# journal line was written): events up to this much later belong to the
# conversation that was erased.
ERASED_TURN_MARGIN = timedelta(seconds=60)

Pseudonym = Callable[[str], str]


def delete_everything(session: Session, key: str, offers: Iterable[str]) -> int:
    """ "Meine Daten löschen": suggestions, supports and photos, live chats,
    callback requests, ratings, what they follow and the citizen's messages
    to the team; the number of suggestions deleted. Notifications to the chat
    go by chat id (the caller's part)."""
    live.delete_for_sender(session, key)
    follows.delete_for_sender(session, key)
    threads.delete_for_sender(session, key)
    callbacks.delete_for_sender(session, key)
    ratings.delete_for_sender(session, key)
    ratings.delete_offers(session, set(offers))  # rated before 0015
    return suggestions.delete_for_sender(session, key)


def clear_conversation(session: Session, key: str, offers: Iterable[str]) -> None:
    """ "Nur den Verlauf löschen": the conversation and what hangs on it (what
    the chat follows, too); what was handed in stays, without a chat to
    answer in."""
    live.delete_for_sender(session, key)
    ratings.delete_for_sender(session, key)
    ratings.delete_offers(session, set(offers))
    photos.discard_pending(session, key)
    threads.discard_offered(session, key)
    telegram_links.discard_for_sender(session, key)
    follows.forget_chat(session, key)
    suggestions.forget_chat(session, key)
    callbacks.forget_chat(session, key)


@dataclass
class Reapplied:
    """What applying the journal again removed from a restored database."""

    deletions: int = 0
    suggestions: int = 0
    notifications: int = 0
    addresses: int = 0


def reapply(
    session: Session,
    entries: list[Deletion],
    pseudonym: Pseudonym,
    email_key: Pseudonym,
) -> Reapplied:
    """Every deletion in `entries` once more, in one transaction. Deleting
    what is gone already deletes nothing, so an entry applied twice is harmless."""
    done = Reapplied(deletions=len(entries))
    senders = [e for e in entries if e.kind in (EVERYTHING, CONVERSATION)]
    done.notifications = _delete_chat_notifications(
        session, {e.key for e in senders if e.key}, pseudonym
    )
    for entry in senders:
        if not entry.key:
            continue
        if entry.kind == EVERYTHING:
            done.suggestions += delete_everything(session, entry.key, entry.offers)
        else:
            clear_conversation(session, entry.key, entry.offers)
    for entry in entries:
        if entry.kind == SUGGESTION and entry.reference:
            done.suggestions += _delete_suggestion(session, entry.reference)
    unsubscribed = {e.email_key for e in entries if e.kind == UNSUBSCRIBE}
    done.addresses = _unsubscribe(session, unsubscribed - {None}, email_key)
    return done


def _delete_chat_notifications(
    session: Session, keys: set[str], pseudonym: Pseudonym
) -> int:
    if not keys:
        return 0
    chat = Notification.channel != notifications.EMAIL_CHANNEL
    recipients = session.scalars(
        select(distinct(Notification.recipient)).where(chat)
    ).all()
    theirs = [r for r in recipients if pseudonym(r) in keys]
    gone = 0
    for start in range(0, len(theirs), 500):
        gone += session.execute(
            delete(Notification)
            .where(chat, Notification.recipient.in_(theirs[start : start + 500]))
            .execution_options(synchronize_session=False)
        ).rowcount
    return gone


def _delete_suggestion(session: Session, reference: str) -> int:
    try:
        review.delete(session, reference, actor="restore")
    except review.ReviewError:
        return 0  # made after the backup, or gone already
    return 1


def _unsubscribe(session: Session, keys: set[str], email_key: Pseudonym) -> int:
    if not keys:
        return 0
    rows = session.execute(
        select(Suggestion.id, Suggestion.email).where(Suggestion.email.is_not(None))
    ).all()
    addresses = {email: id_ for id_, email in rows if email_key(email) in keys}
    for email, suggestion_id in addresses.items():
        suggestions.unsubscribe_email(session, suggestion_id, email)
    return len(addresses)


def _secure_delete(dbapi_connection, _record) -> None:
    # As Rasa's store does (bot.plugins.tracker_store): erased text is overwritten.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def erase_conversations_again(
    tracker_url: str, entries: list[Deletion], pseudonym: Pseudonym
) -> tuple[int, int]:
    """Erase from Rasa's conversations what a deletion in `entries` had
    erased: each such chat's events up to its deletion, not the ones it wrote
    after. Every entry counts, also those older than the backup: Rasa erases
    a conversation a moment after the journal line is written, and a backup
    may have been taken in that moment. The numbers of conversations and of
    events erased."""
    erased_until: dict[str, datetime] = {}
    for entry in entries:
        if entry.kind in (EVERYTHING, CONVERSATION) and entry.key:
            until = entry.at + ERASED_TURN_MARGIN
            erased_until[entry.key] = max(until, erased_until.get(entry.key, until))
    if not erased_until or not conversations.exists(tracker_url):
        return 0, 0
    engine = create_engine(tracker_url, future=True, hide_parameters=True)
    if make_url(tracker_url).get_backend_name() == "sqlite":
        event.listen(engine, "connect", _secure_delete)
    events = conversations.TRACKER_EVENTS
    chats = erased = 0
    try:
        if not inspect(engine).has_table("events"):
            return 0, 0
        with engine.begin() as connection:
            senders = connection.scalars(select(distinct(events.c.sender_id))).all()
            for sender in senders:
                until = erased_until.get(pseudonym(sender))
                if until is None:
                    continue
                gone = connection.execute(
                    delete(events).where(
                        events.c.sender_id == sender,
                        events.c.timestamp <= until.timestamp(),
                    )
                ).rowcount
                chats, erased = chats + (gone > 0), erased + gone
    finally:
        engine.dispose()
    return chats, erased
