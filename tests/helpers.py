"""Small builders shared by tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.settings import get_settings


def entity(name: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {"entity": name, "value": value, **extra}


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=get_settings().tz)


def texts(dispatcher) -> str:
    """Everything the dispatcher said, as one string."""
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def button_titles(dispatcher) -> list[str]:
    return [b["title"] for m in dispatcher.messages for b in m.get("buttons") or []]


def responses(dispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages if m.get("response")]
