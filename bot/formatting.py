"""German formatting of dates and lists for chat replies and pages."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime


def format_start(moment: datetime, tz: ZoneInfo) -> str:
    """'Sa., 28.11.2026, 10:00 Uhr' in the city's time zone."""
    return format_datetime(
        moment.astimezone(tz), "EEE, dd.MM.yyyy, HH:mm 'Uhr'", locale="de_DE"
    )


def format_span(start: datetime, end: datetime | None, tz: ZoneInfo) -> str:
    """Start, plus the end time when the event ends on the same day."""
    text = format_start(start, tz)
    if end is not None and end.astimezone(tz).date() == start.astimezone(tz).date():
        text = text.replace(" Uhr", "") + f"–{end.astimezone(tz):%H:%M} Uhr"
    return text


def local_time(tz: ZoneInfo):
    """A template filter: a stored UTC time in the city's time zone."""

    def format_time(value: datetime | None, pattern: str = "%d.%m.%Y, %H:%M") -> str:
        if value is None:
            return "–"
        return value.astimezone(tz).strftime(pattern)

    return format_time


def first_sentence(text: str) -> str:
    sentence, dot, _rest = text.strip().partition(". ")
    return sentence + ("." if dot else "")


# Sent as a custom message after a deletion has committed; the web API's
# "Verlauf löschen" reports success only when it sees it.
DELETED_MARKER = "smartcity_data_deleted"


def intent_payload(intent: str, **entities: str | float) -> str:
    """A Rasa button payload that triggers `intent` with the given entities."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}"


RATE_INTENT = "rate"


def rating_buttons(offer_id: str) -> list[dict[str, str]]:
    """👍/👎 under an answer; channels show them apart from its other buttons."""
    return [
        {"title": f"{icon} {label}",
         "payload": intent_payload(RATE_INTENT, rating=value, rating_id=offer_id)}
        for icon, label, value in (("👍", "Hilfreich", "up"),
                                   ("👎", "Nicht hilfreich", "down"))
    ]  # fmt: skip


def is_rating(button: dict) -> bool:
    return str(button.get("payload") or "").startswith(f"/{RATE_INTENT}{{")


# A custom reply: a person from the team now has the conversation.
LIVE_CHAT_MARKER = "smartcity_live_chat"
