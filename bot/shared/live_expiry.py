"""Live chats end by themselves: after LIVE_IDLE_MINUTES without a message
from either side, and when the office closes.

Before, a waiting or taken chat stayed open for ever: the citizen stayed
paused (the assistant did not answer them again until they wrote "zurück zum
Assistenten"), and chats of sessions nobody used any more filled the staff's
queue. Every public process runs the sweep; ending a chat twice is harmless
(rows are locked and an ended chat is skipped).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from actions.db import live, notifications
from actions.db.session import Database
from bot.shared.rasa_client import RasaClient, RasaUnavailable
from core.content import ContentError, load_contact
from core.settings import Settings

logger = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=1)
IDLE_TEXT = (
    "Der Live-Chat ist beendet, weil eine Weile niemand geschrieben hat. Sie "
    "schreiben jetzt wieder mit dem digitalen Assistenten."
)
CLOSED_TEXT = (
    "Das Büro hat jetzt geschlossen. Der Live-Chat ist beendet, Sie schreiben "
    "wieder mit dem digitalen Assistenten. Sie können dem Team eine Nachricht "
    "hinterlassen: Schreiben Sie „Nachricht hinterlassen“."
)


def _office_open(settings: Settings) -> bool:
    try:
        hours = load_contact(settings.content_dir).office_hours(settings.timezone)
    except ContentError:
        return True  # the hours cannot be read: only idle chats end
    return hours.is_open(settings.now())


async def end_stale_chats(settings: Settings, db: Database, rasa: RasaClient) -> int:
    """End the chats that are over, tell their citizens, resume Rasa."""
    now, office_open = settings.now(), _office_open(settings)
    idle = timedelta(minutes=settings.live_idle_minutes)
    text = IDLE_TEXT if office_open else CLOSED_TEXT

    def work(session) -> list[str]:
        chats = live.end_stale(session, now=now, idle=idle, office_open=office_open)
        for chat in chats:
            notifications.queue(session, chat.channel, chat.sender_id, text, now=now)
        return [chat.sender_id for chat in chats]

    senders = await db.run(work)
    for sender in senders:
        # If Rasa is away, the gateway resumes it at the citizen's next message.
        with contextlib.suppress(RasaUnavailable):
            await rasa.resume(sender)
    if senders:
        logger.info("%d live chat(s) ended automatically", len(senders))
    return len(senders)


async def sweep(
    settings: Settings, db: Database, rasa: RasaClient, delivered: Callable[[], None]
) -> None:
    """One sweep; `delivered` wakes every channel's delivery and the widget's streams."""
    try:
        if await end_stale_chats(settings, db, rasa):
            delivered()
    except SQLAlchemyError as error:
        logger.warning("live chats not swept: %s", type(error).__name__)
