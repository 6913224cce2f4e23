"""Lists that can be finished: "Das sind 1 bis 8 von 11 Projekten", then
"Weitere anzeigen" (or a typed "und die restlichen?") shows the next ones.

The list's filters and the position reached wait in the `list_cursor` slot
until the next list replaces them.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.sdk.base import EventList
from actions.sdk.wording import Wording
from core.protocol import intent_payload

CURSOR_SLOT = "list_cursor"
SHOW_MORE = "show_more"
KINDS = ("projects", "events", "suggestions")
# The templates of "Das sind 1 bis 8 von 11 …" and "Das ist Nummer 9 von 9 …".
PROGRESS = {
    "projects": ("tpl_projects_progress", "tpl_projects_progress_one"),
    "events": ("tpl_events_progress", "tpl_events_progress_one"),
    "suggestions": ("tpl_search_progress", "tpl_search_progress_one"),
}


def more_button(say: Wording | None = None) -> dict[str, str]:
    title = say("tpl_button_show_more") if say else "Weitere anzeigen"
    return {"title": title, "payload": intent_payload(SHOW_MORE)}


def remember(kind: str, filters: dict[str, Any], shown: int, total: int) -> EventList:
    """The cursor after a page: where the next one starts (at the end, a
    "mehr" is told that this was all)."""
    cursor = {"kind": kind, "filters": filters, "next": shown, "total": total}
    return [SlotSet(CURSOR_SLOT, cursor)]


def finished(cursor: dict[str, Any]) -> bool:
    return cursor["next"] >= cursor["total"]


def cursor_of(tracker: Tracker) -> dict[str, Any] | None:
    """The waiting cursor, if it is one of ours (slots can be set from outside)."""
    cursor = tracker.get_slot(CURSOR_SLOT)
    if not isinstance(cursor, dict) or cursor.get("kind") not in KINDS:
        return None
    shown, total = cursor.get("next"), cursor.get("total")
    if not isinstance(shown, int) or not isinstance(total, int) or shown < 0:
        return None
    if not isinstance(cursor.get("filters"), dict):
        return None
    return cursor


def progress(say: Wording, kind: str, first: int, last: int, total: int) -> str:
    """'Das sind 1 bis 8 von 11 Projekten.' ('Das ist …' for a single one)."""
    many, one = PROGRESS[kind]
    if first == last:
        return say(one, first=first, total=total)
    return say(many, first=first, last=last, total=total)
