"""A reply to the team goes to the team.

The team wrote about a suggestion or answered a message ("… Klappt es
dann?"). The citizen's next message is most likely the answer: unless it is
plainly a question or a command for the assistant, the gateway holds it and
asks whether to send it to the team (actions.db.threads). Yes puts it on the
staff page; no hands it to the assistant as if nothing had happened.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from actions.db import threads
from actions.db.session import Database
from bot.shared.rasa_client import RasaClient, RasaMessage, RasaUnavailable
from core.protocol import intent_payload
from core.secret_key import sender_key
from core.settings import Settings

logger = logging.getLogger(__name__)

SEND, KEEP = "send_to_team", "not_for_team"
# What the assistant answers itself, when the classifier is sure of it.
FOR_THE_ASSISTANT = {"ask_projects", "ask_project_info", "ask_events", "faq", "help",
                     "ask_contact", "ask_privacy", "request_data_deletion",
                     "clear_conversation", "submit_suggestion", "ask_suggestion_status",
                     "request_human", "leave_message", "show_more", "greet", "goodbye",
                     "thank", "bot_challenge", "rate", "support_suggestion",
                     "rephrase", "standard_sprache", "search_suggestions",
                     "follow", "unfollow", "list_follows"}  # fmt: skip
SURE = 0.8

ASK = "Ist das Ihre Antwort an das Team zu {what}? Dann schicke ich sie weiter."
SENT = "Danke! Ihre Antwort zu {reference} ist beim Team. Es meldet sich hier im Chat."
GONE = "Diese Nachricht ist schon erledigt. Wie kann ich Ihnen helfen?"
NOT_SAVED = (
    "Ihre Antwort konnte ich gerade nicht an das Team geben. Bitte versuchen Sie "
    "es gleich noch einmal."
)


def _what(thread: threads.Thread) -> str:
    if thread.callback_id is not None:
        return f"Ihrer Nachricht {thread.reference}"
    return f"Ihrem Vorschlag {thread.reference}"


def team_payload(text: str) -> tuple[str, int] | None:
    """("send_to_team" or "not_for_team", held reply id) of one of our buttons."""
    for name in (SEND, KEEP):
        prefix = f"/{name}"
        if text.startswith(prefix):
            try:
                entities = json.loads(text[len(prefix) :])
            except ValueError:
                return None
            reply = entities.get("reply") if isinstance(entities, dict) else None
            if isinstance(reply, int) and not isinstance(reply, bool) and reply > 0:
                return name, reply
            return None
    return None


class TeamAnswers:
    def __init__(self, settings: Settings, db: Database, rasa: RasaClient) -> None:
        self.settings = settings
        self.db = db
        self.rasa = rasa

    async def offer(self, sender: str, text: str, channel: str) -> list[RasaMessage]:
        """The question "an das Team?", if this message follows a team message
        and is not plainly for the assistant; else nothing (a normal turn)."""
        now = self.settings.now()
        try:
            thread = await self.db.run(
                lambda s: threads.awaiting_answer(s, channel, sender, now=now)
            )
        except SQLAlchemyError:
            logger.warning("team answers unavailable; a normal turn")
            return []
        if thread is None or await self._for_the_assistant(text):
            return []
        key = sender_key(sender, self.settings)
        try:
            held = await self.db.run(
                lambda s: threads.hold(
                    s, thread, sender_key=key, channel=channel, text=text, now=now
                )
            )
        except SQLAlchemyError:
            logger.warning("answer to the team not held; a normal turn")
            return []
        buttons = [
            {"title": "Ja, an das Team senden",
             "payload": intent_payload(SEND, reply=held)},
            {"title": "Nein, das war für den Assistenten",
             "payload": intent_payload(KEEP, reply=held)},
        ]  # fmt: skip
        return [{"recipient_id": sender, "text": ASK.format(what=_what(thread)),
                 "buttons": buttons}]  # fmt: skip

    async def _sure_intent(self, text: str) -> str | None:
        """The intent Rasa reads in `text`, if it is sure of it."""
        try:
            parsed = await self.rasa.parse(text)
        except RasaUnavailable:
            return None
        intent = parsed.get("intent") if isinstance(parsed, dict) else None
        if not isinstance(intent, dict):
            return None
        confidence = intent.get("confidence")
        sure = isinstance(confidence, (int, float)) and confidence >= SURE
        return intent.get("name") if sure else None

    async def _for_the_assistant(self, text: str) -> bool:
        return await self._sure_intent(text) in FOR_THE_ASSISTANT

    async def typed_choice(self, text: str, payloads: list[str]) -> str | None:
        """A typed "ja" or "nein" to "an das Team?" means its buttons."""
        asked = {choice[0]: p for p in payloads if (choice := team_payload(p))}
        if not asked:
            return None
        intent = await self._sure_intent(text)
        return asked.get({"affirm": SEND, "deny": KEEP}.get(intent or ""))

    async def answer(
        self, sender: str, choice: str, reply_id: int
    ) -> tuple[list[RasaMessage], str | None]:
        """The citizen's choice: our reply, or the held text for the assistant."""
        key = sender_key(sender, self.settings)
        now = self.settings.now()
        try:
            if choice == SEND:
                reference = await self.db.run(
                    lambda s: threads.send(s, reply_id, key, now=now)
                )
                text = SENT.format(reference=reference) if reference else GONE
                return [_say(sender, text)], None
            held = await self.db.run(lambda s: threads.take_back(s, reply_id, key))
        except SQLAlchemyError:
            return [_say(sender, NOT_SAVED)], None
        if held is None:
            return [_say(sender, GONE)], None
        return [], held


def _say(sender: str, text: str) -> dict[str, Any]:
    return {"recipient_id": sender, "text": text}
