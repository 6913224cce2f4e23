"""Names the actions and the channels share: payloads they send, markers in
custom replies, and the actions whose run changes what a channel keeps.

Every intent and action named here exists in domain.yml
(tests/core/test_protocol.py), so a rename there fails a test, not a citizen.
"""

from __future__ import annotations

import json


def intent_payload(intent: str, **entities: str | float) -> str:
    """A Rasa button payload that triggers `intent` with the given entities."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}"


# Sent as a custom message after a deletion has committed; the web API's
# "Verlauf löschen" reports success only when it sees it.
DELETED_MARKER = "smartcity_data_deleted"
# A custom reply: a person from the team now has the conversation.
LIVE_CHAT_MARKER = "smartcity_live_chat"

# "Meine Daten löschen" (everything) and "Nur den Verlauf löschen", as the
# widget's "Verlauf löschen" sends them; each is then confirmed.
DELETE_ALL_INTENT = "request_data_deletion"
CLEAR_CONVERSATION_INTENT = "clear_conversation"
AFFIRM_INTENT = "affirm"
FORGET_PAYLOADS = {
    "all": intent_payload(DELETE_ALL_INTENT),
    "conversation": intent_payload(CLEAR_CONVERSATION_INTENT),
}
AFFIRM_PAYLOAD = intent_payload(AFFIRM_INTENT)

# The actions after which the tracker store erases the conversation.
ERASE_ACTION = "action_delete_my_data"
CLEAR_CONVERSATION_ACTION = "action_clear_conversation"
ERASE_ACTIONS = (ERASE_ACTION, CLEAR_CONVERSATION_ACTION)

RATE_INTENT = "rate"

# The Telegram bridge's channel; its chats are "telegram:<chat id>". The web
# chat offers to carry a suggestion there (actions.sdk.telegram_link_actions).
TELEGRAM_CHANNEL = "telegram"

# The slot that holds the citizen's language for the conversation; the NLG
# (bot/plugins/nlg.py) answers in Leichte Sprache or in English while it says
# so, and in standard German while it is empty.
LANGUAGE_SLOT = "sprache"
LEICHTE_SPRACHE = "leicht"
ENGLISH = "en"
STANDARD_SPRACHE = "standard"
LANGUAGES = (STANDARD_SPRACHE, LEICHTE_SPRACHE, ENGLISH)
ENGLISH_PAYLOAD = intent_payload("english")
# A custom reply when the language changed ({LANGUAGE_MARKER: one of
# LANGUAGES}): the widget's language control then shows the one in use.
LANGUAGE_MARKER = "smartcity_language"


RATING_TITLES = ("👍 Hilfreich", "👎 Nicht hilfreich")


def rating_buttons(
    offer_id: str, titles: tuple[str, str] = RATING_TITLES
) -> list[dict[str, str]]:
    """👍/👎 under an answer; channels show them apart from its other buttons."""
    return [
        {"title": title,
         "payload": intent_payload(RATE_INTENT, rating=value, rating_id=offer_id)}
        for title, value in zip(titles, ("up", "down"), strict=True)
    ]  # fmt: skip


def is_rating(button: dict) -> bool:
    return str(button.get("payload") or "").startswith(f"/{RATE_INTENT}{{")
