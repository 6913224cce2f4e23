"""The day's digest of what citizens follow goes out by itself (issue 36.2).

Every few minutes the web process looks at the city's clock; from
FOLLOW_DIGEST_HOUR on, actions.db.digest queues the digest of every chat that
has not had today's, and the delivery loops are woken. Chats done today are
left out in SQL, so the checks after the day's run read only follows asked
for since. Several web processes may each run it: they take turns, and a chat
is claimed once a day.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.db import digest
from actions.db.session import Database
from bot.shared.expiry import repeated
from core.content import ContentError, load_districts
from core.settings import Settings

logger = logging.getLogger(__name__)

CHECK_EVERY = timedelta(minutes=5)


def district_names(content_dir: Path) -> dict[str, str]:
    """Each district's name and alias, casefolded, to its name: how an
    event's place names the district a citizen follows."""
    try:
        districts = load_districts(content_dir)
    except ContentError as error:
        logger.warning(
            "follow digest: districts unreadable, events unmatched: %s", error
        )
        return {}
    return {n.casefold(): d.name for d in districts for n in (d.name, *d.aliases)}


def is_due(settings: Settings, now: datetime) -> bool:
    return now.astimezone(settings.tz).hour >= settings.follow_digest_hour


def run_once(settings: Settings, session: Session, now: datetime) -> digest.Report:
    """Today's digests, whatever the hour (the loop checks it, the CLI may not)."""
    return digest.run(
        session,
        today=now.astimezone(settings.tz).date(),
        now=now,
        tz=settings.tz,
        districts=district_names(settings.content_dir),
        board_url=settings.public_url,
    )


def describe(report: digest.Report) -> str:
    """The run in numbers; never who or what."""
    return (
        f"{report.chats} chats due, {report.sent} digests queued "
        f"with {report.items} items"
    )


class FollowDigest:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        deliver_now: Callable[[], None],
        *,
        every: timedelta = CHECK_EVERY,
    ) -> None:
        self.settings = settings
        self.db = db
        self.deliver_now = deliver_now
        self.every = every

    async def check(self) -> digest.Report | None:
        """Queue today's digests if it is time; None before the hour."""
        now = self.settings.now()
        if not is_due(self.settings, now):
            return None
        try:
            report = await self.db.run(lambda s: run_once(self.settings, s, now))
        except SQLAlchemyError as error:
            logger.warning(
                "follow digest: database unavailable (%s)", type(error).__name__
            )
            return None
        if report.chats:
            logger.info("follow digest: %s", describe(report))
        if report.sent:
            self.deliver_now()
        return report

    def running(self) -> contextlib.AbstractAsyncContextManager[None]:
        # Not at start: the day's digest can wait minutes, and a process that
        # starts and stops at once (tests, a failed start) sends nothing.
        return repeated(self.check, self.every, "follow-digest", at_start=False)
