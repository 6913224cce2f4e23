"""What the channels say themselves (errors, limits) in Leichter Sprache:
one text for each, and each keeps the rules the checker knows."""

from __future__ import annotations

import pytest

from bot.shared.photos import REFUSALS, REFUSALS_LEICHT
from bot.telegram import texts as telegram
from bot.web import errors as web
from core.leichte_sprache import check
from core.responses import leicht_names

WEB_TEXTS = [
    value
    for name, value in vars(web).items()
    if name.isupper()
    and isinstance(value, str)
    and name not in {"ERROR_TEXT"}
    and " " in value
]
TELEGRAM_TEXTS = [
    getattr(telegram, name)
    for name in ("UNAVAILABLE", "NO_ANSWER", "NOT_TEXT", "PHOTO_FAILED",
                 "TOO_MANY_PHOTOS", "UNKNOWN_COMMAND", "STALE_BUTTON",
                 "NO_PHOTOS_IN_LIVE_CHAT", "TOO_FAST", "FAILED")
]  # fmt: skip


def test_every_error_of_the_widget_api_has_a_text_in_leichter_sprache():
    assert WEB_TEXTS and set(WEB_TEXTS) <= set(web.LEICHT)


def test_every_error_of_the_telegram_bridge_has_a_text_in_leichter_sprache():
    assert set(TELEGRAM_TEXTS) <= set(telegram.LEICHT)
    assert set(REFUSALS) == set(REFUSALS_LEICHT)


@pytest.mark.parametrize(
    "text", sorted({*web.LEICHT.values(), *telegram.LEICHT.values()})
)
def test_each_text_in_leichter_sprache_passes_the_checker(text):
    # "JPEG", "PNG", "WebP" and "MB" are what the citizen's phone shows.
    known = leicht_names() | {"JPEG", "PNG", "WebP", "MB", "hilfe"}
    assert [str(f) for f in check(text, known)] == []
