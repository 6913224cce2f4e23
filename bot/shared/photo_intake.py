"""Whether a photo may wait for a suggestion, for both channels.

A photo is kept only while the suggestion form is asking: Rasa's tracker says
which form is active (the one source that every web-app process and a
restart share; a marker of our own could drift from the dialogue). And what
arrives stays within budgets per hour, by count and by megabytes, per client
address and for everyone together (actions.db.photos), checked before any
decoding and again, exactly, with the insert. Refusals are German for the
citizen (bot.shared.photos.REFUSALS) and a log line for the operator that
names the address only by the first characters of its daily key.
"""

from __future__ import annotations

import logging
import time

from actions.db import photos
from actions.db.models import utcnow
from actions.db.session import Database
from bot.shared.photos import PhotoRefused, checked_header, keep_photo
from bot.shared.rasa_client import RasaClient
from core import metrics
from core.secret_key import sender_key
from core.settings import Settings

logger = logging.getLogger(__name__)

FORM = "suggestion_form"
MB = 1024 * 1024
# A flood would write a line per upload; one per address and scope suffices.
LOG_EVERY_SECONDS = 600
MAX_LOGGED = 1000


def budgets_of(settings: Settings) -> photos.Budgets:
    return photos.Budgets(
        per_address=photos.Budget(
            settings.photos_per_address_per_hour,
            settings.photo_mb_per_address_per_hour * MB,
        ),
        overall=photos.Budget(
            settings.photos_per_hour, settings.photo_mb_per_hour * MB
        ),
    )


class PhotoIntake:
    def __init__(self, settings: Settings, db: Database, rasa: RasaClient) -> None:
        self.settings = settings
        self.db = db
        self.rasa = rasa
        self.budgets = budgets_of(settings)
        self._logged: dict[tuple[str, str], float] = {}

    @staticmethod
    async def check_header(data: bytes) -> None:
        """PhotoRefused for what is no photo of ours, without decoding it."""
        await checked_header(data)

    async def form_waits(self, sender: str) -> bool:
        """Whether the suggestion form is asking the sender now; RasaUnavailable
        if Rasa cannot tell."""
        return await self.rasa.active_form(sender) == FORM

    async def check_room(self, address_key: str | None) -> None:
        """PhotoRefused when the budget of the address or of everyone is spent
        already, before the photo is decoded."""
        now = utcnow()
        try:
            await self.db.run(
                lambda s: photos.check_budgets(
                    s, address_key, self.budgets, size=1, now=now
                ),
                read_only=True,
            )
        except photos.OverBudget as over:
            raise self._refusal(over, address_key) from None

    async def keep(self, sender: str, data: bytes, address_key: str | None) -> int:
        """Clean and keep the photo; how many now wait for the sender's form.
        Raises PhotoRefused, photos.TooManyPhotos or SQLAlchemyError."""
        try:
            return await keep_photo(
                self.db,
                sender_key(sender, self.settings),
                data,
                address_key=address_key,
                budgets=self.budgets,
            )
        except photos.OverBudget as over:
            raise self._refusal(over, address_key) from None

    def _refusal(
        self, over: photos.OverBudget, address_key: str | None
    ) -> PhotoRefused:
        """The citizen's refusal, and a line for the operator once in a while."""
        metrics.rate_limited.labels(f"photos_{over.scope}").inc()
        one = over.scope == "address"
        budget = self.budgets.per_address if one else self.budgets.overall
        whose = f"one address (key {(address_key or '-')[:8]}…)" if one else "everyone"
        if self._first_in_a_while(over.scope, whose):
            logger.warning(
                "photo budget of %s reached: %d photos, %.1f MB in the last hour "
                "(budget %d photos, %d MB); further photos are refused for now",
                whose, over.usage.photos, over.usage.bytes / MB, budget.photos,
                budget.bytes // MB,
            )  # fmt: skip
        return PhotoRefused(f"{over.scope}_budget")

    def _first_in_a_while(self, scope: str, mark: str) -> bool:
        now = time.monotonic()
        if len(self._logged) > MAX_LOGGED:
            self._logged.clear()
        last = self._logged.get((scope, mark))
        if last is not None and now - last < LOG_EVERY_SECONDS:
            return False
        self._logged[(scope, mark)] = now
        return True
