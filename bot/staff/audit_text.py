"""The audit log in words staff read: no JSON escapes, local times, German actors.

Entries keep their values as stored (JSON with ISO times in UTC); only the
page turns them into text. Jinja escapes the result like any other text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

ACTORS = {"citizen": "Bürger/in", "system": "System"}


def actor_label(actor: str) -> str:
    return ACTORS.get(actor, actor)


def _value(value: Any, tz: ZoneInfo) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return moment.astimezone(tz).strftime("%d.%m.%Y, %H:%M")
        return value
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(each, tz) for each in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_value(each, tz)}" for key, each in value.items())
    return str(value)


def change_text(tz: ZoneInfo):
    """A template filter: an entry's before or after as `key: value; …`."""

    def describe(values: Any) -> str:
        return _value(values, tz)

    return describe
