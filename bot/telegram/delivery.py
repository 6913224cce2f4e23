"""Delivers the Telegram channel's outbox (lease and retry rules: bot.shared.delivery_loop)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
)

from actions.db import notifications
from actions.db.models import utcnow
from actions.db.session import Database
from bot.shared.delivery_loop import MAX_ATTEMPTS, DeliveryLoop, retry_delay
from bot.telegram.bridge import CHANNEL, chat_id_of

__all__ = ["MAX_ATTEMPTS", "NotificationDelivery", "retry_delay"]


class NotificationDelivery(DeliveryLoop):
    channel = CHANNEL

    def __init__(
        self,
        bot: Bot,
        db: Database,
        *,
        poll_seconds: float,
        lease_seconds: float = 120.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(
            db,
            poll_seconds=poll_seconds,
            lease_seconds=lease_seconds,
            clock=clock,
        )
        self.bot = bot

    async def _deliver(self, row: notifications.Pending) -> None:
        chat_id = chat_id_of(row.recipient)
        if chat_id is None:
            await self._failed(row, "not a Telegram recipient")
            return
        try:
            await self.bot.send_message(
                chat_id, escape(row.text, quote=False), parse_mode=ParseMode.HTML
            )
        except RetryAfter as error:
            # Telegram asked us to wait (the rate limiter already retried): no failure.
            wait = (
                error.retry_after
            )  # a timedelta with PTB_TIMEDELTA (bot.server.main), else an int
            if not isinstance(wait, timedelta):
                wait = timedelta(seconds=wait)
            at, message = self.clock() + wait, str(error)
            await self.db.run(
                lambda s: notifications.mark_retry(
                    s,
                    row.id,
                    at=at,
                    error=message,
                    holder=self.holder,
                    count_attempt=False,
                )
            )
        except ChatMigrated as error:
            moved = f"{CHANNEL}:{error.new_chat_id}"
            await self.db.run(
                lambda s: notifications.move_recipient(s, row.id, moved, self.holder)
            )
        except (Forbidden, BadRequest) as error:
            # Blocked by the citizen, or the chat is gone: retrying cannot help.
            await self._failed(row, f"{type(error).__name__}: {error}")
        except TelegramError as error:
            await self._retry_or_fail(row, f"{type(error).__name__}: {error}")
        else:
            await self._mark_sent(row)
