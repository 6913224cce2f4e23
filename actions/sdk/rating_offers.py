"""Offers to rate an answer: 👍/👎 buttons whose payload names a random offer
id, and the offer (question, intent, response) kept in the `rating_offers`
slot until the citizen rates it."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.db.ratings import MAX_QUESTION
from actions.sdk.base import EventList
from actions.sdk.wording import Wording
from core.protocol import rating_buttons

OFFERS_SLOT = "rating_offers"
KEEP_OFFERS = 5


@dataclass(frozen=True)
class Offer:
    id: str
    question: str
    intent: str
    response: str


def offer(tracker: Tracker, response: str) -> Offer | None:
    """An offer to rate the answer being sent, or None inside a form, where
    buttons under an answer would cut into the form's question."""
    if tracker.active_loop_name:
        return None
    message = tracker.latest_message
    text = str(message.get("text") or "").strip()
    intent = str((message.get("intent") or {}).get("name") or "")
    return Offer(
        id=secrets.token_hex(8),
        question="" if text.startswith("/") else text[:MAX_QUESTION],
        intent=intent,
        response=response,
    )


def _valid(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [o for o in value if isinstance(o, dict) and isinstance(o.get("id"), str)]


def offers(tracker: Tracker) -> list[dict[str, Any]]:
    return _valid(tracker.get_slot(OFFERS_SLOT))


def with_rating(
    buttons: list[dict], made: Offer | None, say: Wording | None = None
) -> list[dict]:
    if made is None:
        return buttons
    if say is None:
        return buttons + rating_buttons(made.id)
    titles = (say("tpl_button_helpful"), say("tpl_button_not_helpful"))
    return buttons + rating_buttons(made.id, titles)


def remember(tracker: Tracker, made: Offer | None) -> EventList:
    if made is None:
        return []
    return [SlotSet(OFFERS_SLOT, [*offers(tracker), asdict(made)][-KEEP_OFFERS:])]


def offer_ids(tracker: Tracker) -> set[str]:
    """Every offer this conversation was ever shown, for "Meine Daten löschen"."""
    found = {o["id"] for o in offers(tracker)}
    for event in tracker.events:
        if event.get("event") == "slot" and event.get("name") == OFFERS_SLOT:
            found |= {o["id"] for o in _valid(event.get("value"))}
    return found
