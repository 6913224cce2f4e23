"""The live chat's words, shared by the gateway, the widget's stream and the
staff app (bot.shared.gateway routes the citizen's turns)."""

from __future__ import annotations

import re
import unicodedata

from bot.shared.rasa_client import RasaMessage
from core.protocol import ENGLISH, FORGET_PAYLOADS, LIVE_CHAT_MARKER

BACK_TO_ASSISTANT = re.compile(
    r"^\W*(?:(?:bitte\s+)?(?:zurück|zurueck)\s+(?:zum|zu\s+dem|zur)\s+"
    r"(?:assistenten?|bot|chatbot|assistentin)|/?assistent|live-?chat\s+beenden|"
    r"chat\s+mit\s+(?:dem\s+)?team\s+beenden|"
    # English (issue 34), as the English hand-off text says it.
    r"(?:please\s+)?(?:go\s+)?back\s+to\s+the\s+(?:assistant|bot|chatbot)|"
    r"end\s+(?:the\s+)?live\s*-?chat)(?:[\s,]+(?:bitte|please))?\W*$",
    re.IGNORECASE,
)
# Payloads that must reach the assistant itself, even during a live chat.
ASSISTANT_PAYLOADS = (FORGET_PAYLOADS["all"], "/restart")
BACK_TEXT = (
    "Sie schreiben jetzt wieder mit dem digitalen Assistenten. Das Team liest "
    "nicht mehr mit. Wie kann ich Ihnen helfen?"
)
STAFF_ENDED_TEXT = (
    "Das Team hat den Live-Chat beendet. Sie schreiben jetzt wieder mit dem "
    "digitalen Assistenten. Vielen Dank!"
)
TAKEN_TEXT = "Eine Person aus dem Team ist jetzt für Sie da und liest Ihre Nachrichten."
REPLY_PREFIX = "Antwort aus dem Team:\n"
# The same for a chat in English (issue 34: LiveChat.language).
IN_ENGLISH = {
    TAKEN_TEXT: "A person from the team is here for you now and reads your messages.",
    REPLY_PREFIX: "Answer from the team:\n",
    BACK_TEXT: (
        "You're writing with the digital assistant again. The team no longer "
        "reads along. How can I help you?"
    ),
    STAFF_ENDED_TEXT: (
        "The team has ended the live chat. You're writing with the digital "
        "assistant again. Thank you!"
    ),
}


def in_language(text: str, language: str | None) -> str:
    """One of the live chat's own texts in the chat's language."""
    return IN_ENGLISH.get(text, text) if language == ENGLISH else text


def wants_assistant(text: str) -> bool:
    return bool(BACK_TO_ASSISTANT.match(unicodedata.normalize("NFC", text).strip()))


# Messages before the handoff that staff see, to know what the citizen asked.
LEAD_IN_MESSAGES = 6


def _is_handoff(event: dict) -> bool:
    custom = (event.get("data") or {}).get("custom")
    return isinstance(custom, dict) and custom.get(LIVE_CHAT_MARKER) == "started"


def live_chat_span(transcript: list[dict]) -> list[dict]:
    """The messages of the latest live chat, with a few from just before it.

    The team sees what this chat is about, not the citizen's whole history
    of every session."""
    starts = [i for i, event in enumerate(transcript) if _is_handoff(event)]
    if not starts:
        return []
    before = [i for i in range(starts[-1]) if transcript[i].get("text")]
    first = before[-LEAD_IN_MESSAGES] if len(before) >= LEAD_IN_MESSAGES else 0
    return transcript[first:]


def started_live_chat(replies: list[RasaMessage]) -> bool:
    return any(
        isinstance(r.get("custom"), dict) and r["custom"].get(LIVE_CHAT_MARKER)
        for r in replies
    )
