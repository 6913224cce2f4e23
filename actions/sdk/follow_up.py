"""The subject of a follow-up: "Gibt es dazu Termine?" right after a project.

The subject lives one turn: only a message that answers a project or events
reply and refers back ("dazu", "dort", "und Termine?") keeps it, and "alle"
leaves it.
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker

from actions.sdk.base import previous_action

REFERS_BACK = re.compile(
    r"\b(dazu|hierzu|da|dort|dorthin|dahin|davon|dafür|darüber|dabei|damit|"
    r"diese[mns]?|das projekt)\b",
    re.IGNORECASE,
)
LEAVES_SUBJECT = re.compile(r"\b(alle[ns]?|sämtliche|überhaupt|generell|egal)\b", re.I)
ELLIPSIS_MAX_WORDS = 6


def refers_back(text: str) -> bool:
    if LEAVES_SUBJECT.search(text):
        return False
    words = text.split()
    elliptic = bool(words) and words[0].casefold().strip(",.") == "und"
    return bool(REFERS_BACK.search(text)) or (
        elliptic and len(words) <= ELLIPSIS_MAX_WORDS
    )


def follow_up_subject(tracker: Tracker) -> dict[str, str]:
    """The project (and, after events, the topic) the latest message refers to."""
    if not refers_back(tracker.latest_message.get("text") or ""):
        return {}
    answered = previous_action(tracker)
    if answered == "action_project_info":
        keys = ("project",)
    elif answered == "action_list_events":
        keys = ("project", "topic")
    else:
        return {}
    subject = {key: tracker.get_slot(key) for key in keys}
    return {key: value for key, value in subject.items() if isinstance(value, str)}
