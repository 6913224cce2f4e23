"""Carrying a suggestion from the web chat to Telegram (issue 36.3).

Under a suggestion the widget offers "Auf Telegram weiterverfolgen": a link
to the bot, https://t.me/<bot>?start=<token> (Telegram's deep link), whose
token works once and for minutes. `/start <token>` in a private chat with
the bot moves the suggestion there (`carry`): its news, and with the chat's
pseudonym its status with the text and "Meine Daten löschen". For the web
chat it is then anyone else's suggestion. A link asked for "mit meinen Abos"
carries the web chat's follows along (actions.db.follows.move).

Only the token's SHA-256 is stored: whoever reads the database or a backup
cannot use a link. The token is 256 random bits, so neither guessing nor
timing the lookup of a hash finds one; Telegram's limit per person
(bot.telegram.service) slows every try besides.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from actions.db import follows
from actions.db import responses as answers
from actions.db.audit import record
from actions.db.models import Notification, Suggestion, TelegramLink
from actions.db.suggestions import in_their_language
from core.responses import STANDARD
from core.wording import Wording

TOKEN_BYTES = 32
# What secrets.token_urlsafe(TOKEN_BYTES) makes: 43 characters of Telegram's
# deep-link alphabet, which allows 64.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
# Links count against their web chat's budget for a day, then go.
BUDGET_WINDOW = timedelta(days=1)
CARRIED = "suggestion_carried_to_telegram"


@dataclass(frozen=True)
class Chat:
    """Where a citizen is reached: the channel, the chat (Rasa's sender id)
    and the chat's pseudonym (core.secret_key.sender_key)."""

    channel: str
    recipient: str
    sender_key: str


@dataclass(frozen=True)
class Answer:
    """What the Telegram chat is told after `/start <token>`, and the
    language it goes on in ("en", "leicht"; None: standard German)."""

    text: str
    language: str | None
    reference: str | None  # None: the link did not work


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    session: Session,
    suggestion: Suggestion,
    *,
    sender_key: str,
    now: datetime,
    lifetime: timedelta,
    per_day: int,
    with_follows: bool = False,
) -> str | None:
    """A new link's token for the suggestion's author; None once this web
    chat had `per_day` links within a day."""
    made = session.scalar(
        select(func.count(TelegramLink.id)).where(
            TelegramLink.sender_key == sender_key,
            TelegramLink.created_at > now - BUDGET_WINDOW,
        )
    )
    if made >= per_day:
        return None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        TelegramLink(
            token_hash=token_hash(token),
            suggestion_id=suggestion.id,
            sender_key=sender_key,
            created_at=now,
            expires_at=now + lifetime,
            with_follows=with_follows,
        )
    )
    session.flush()
    return token


def redeem(
    session: Session, token: str, to: Chat, *, now: datetime
) -> Suggestion | None:
    """The suggestion the link carried to `to`; None for a token that is
    unknown, used or expired."""
    if not TOKEN.match(token):
        return None
    link = session.scalar(
        select(TelegramLink).where(TelegramLink.token_hash == token_hash(token))
    )
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    # Once: of two chats sending the token at the same moment, one wins the row.
    won = session.execute(
        update(TelegramLink)
        .where(TelegramLink.id == link.id, TelegramLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        return None
    suggestion = session.get(Suggestion, link.suggestion_id)
    # Carried away since by another of its links: no longer the web chat's.
    if suggestion is None or suggestion.sender_key != link.sender_key:
        return None
    carry(session, suggestion, to, now=now)
    if link.with_follows:
        follows.move(session, link.sender_key, to.sender_key, channel=to.channel,
                     recipient=to.recipient)  # fmt: skip
    return suggestion


def carry(session: Session, suggestion: Suggestion, to: Chat, *, now: datetime) -> None:
    """Make the suggestion the chat `to`'s: its news go there, and with the
    pseudonym it answers "Was ist aus meinem Vorschlag geworden?" with the
    text and deletes it with "Meine Daten löschen". Staff read the move in
    the audit log; the channel it was handed in on is named there."""
    source = Chat(suggestion.channel, suggestion.reply_to or "", suggestion.sender_key)
    move_news(session, suggestion, source, to)
    suggestion.channel, suggestion.sender_key = to.channel, to.sender_key
    suggestion.carried_at = now
    record(session, "citizen", CARRIED, "suggestion", suggestion.reference,
           {"channel": source.channel}, {"channel": to.channel})  # fmt: skip


def move_news(session: Session, suggestion: Suggestion, source: Chat, to: Chat) -> int:
    """The news the citizen gets in `source` now reach `to`: those of the
    suggestion, and its messages `source` has not shown yet (the number of
    these). Shown ones stay where they were read."""
    waiting = 0
    if source.recipient:
        waiting = session.execute(
            update(Notification)
            .where(
                Notification.suggestion_id == suggestion.id,
                Notification.channel == source.channel,
                Notification.recipient == source.recipient,
                Notification.sent_at.is_(None),
                Notification.failed_at.is_(None),
            )
            .values(channel=to.channel, recipient=to.recipient,
                    claimed_until=None, claimed_by=None, next_attempt_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount  # fmt: skip
    suggestion.reply_to = to.recipient
    return waiting


def answer(
    session: Session, token: str, to: Chat, *, now: datetime, language: str | None
) -> Answer:
    """Redeem the token and say what happened: in the suggestion's language
    (the one chosen in the web chat), else in `language`."""
    suggestion = redeem(session, token, to, now=now)
    if suggestion is None:
        say = Wording(language or STANDARD, answers.edited(session))
        return Answer(say("tpl_telegram_link_invalid"), language, None)
    say = in_their_language(session, suggestion)
    text = say("tpl_telegram_link_taken", reference=suggestion.reference)
    return Answer(text, suggestion.language, suggestion.reference)


def carried_to(session: Session, sender_key: str) -> list[str]:
    """The references of the sender's suggestions carried from another chat:
    a backup may hold them under that chat's pseudonym."""
    return list(
        session.scalars(
            select(Suggestion.reference).where(
                Suggestion.sender_key == sender_key, Suggestion.carried_at.is_not(None)
            )
        )
    )


def discard_for_sender(session: Session, sender_key: str) -> int:
    """ "Nur den Verlauf leeren": the links shown in that conversation go too."""
    return session.execute(
        delete(TelegramLink)
        .where(TelegramLink.sender_key == sender_key)
        .execution_options(synchronize_session=False)
    ).rowcount


def expire(session: Session, *, now: datetime) -> int:
    """Links a day past their end: no budget counts them any more."""
    return session.execute(
        delete(TelegramLink)
        .where(TelegramLink.expires_at < now - BUDGET_WINDOW)
        .execution_options(synchronize_session=False)
    ).rowcount
