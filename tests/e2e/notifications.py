"""Queue Telegram notifications in the outbox and watch them go out."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.db.models import Notification
from actions.db.session import get_engine
from tests.bot.telegram.bot_api import FakeBotApi


def queue_notifications(database: str, chats: list[int]) -> None:
    with Session(get_engine(database), future=True) as session, session.begin():
        session.add_all(
            Notification(channel="telegram", recipient=f"telegram:{chat}",
                         text=f"Neuigkeiten {chat}", attempts=0)
            for chat in chats
        )  # fmt: skip


async def wait_until_sent(database: str, chats: list[int], seconds: float = 60):
    recipients = [f"telegram:{chat}" for chat in chats]
    for _ in range(int(seconds * 10)):
        with Session(get_engine(database), future=True) as session:
            open_rows = session.scalar(
                select(func.count(Notification.id)).where(
                    Notification.recipient.in_(recipients),
                    Notification.sent_at.is_(None),
                )
            )
        if open_rows == 0:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{open_rows} notifications still unsent")


def delivered(bot_api: FakeBotApi, chats: list[int]) -> dict[int, int]:
    """How often Telegram accepted a message for each chat."""
    accepted = [c.chat_id for c in bot_api.sent() if c.ok and c.chat_id in chats]
    return {chat: accepted.count(chat) for chat in chats}
