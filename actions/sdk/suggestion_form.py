"""The suggestion form: validation of each answer, and the questions with buttons."""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

from email_validator import EmailNotValidError, validate_email
from rapidfuzz import fuzz, process, utils
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.db import photos, supports
from actions.db import suggestions as store
from actions.db.similar import Idea, similar
from actions.db.suggestions import normalize_reference
from actions.sdk.base import EventList, database, latest_entity, sender_key
from actions.sdk.clear_requests import (
    ConfirmDiscard,
    content_slots_filled,
    latest_intent,
    latest_text,
    unclear_cancel,
)
from actions.sdk.support_actions import support, support_button
from actions.sdk.wording import Wording, current_wording, english_names
from core.content import ContentError, load_contact, load_districts, load_topics
from core.places import Position, district_at
from core.protocol import intent_payload
from core.settings import get_settings

logger = logging.getLogger(__name__)
TEXT_MIN, TEXT_MAX = 10, 2000
LOCATION_MAX = 200
SHARED_PLACE = "Gesendeter Standort"  # as stored; shown as tpl_shared_place
SUPPORTED = "supported"
SUBMIT_ANYWAY = ("trotzdem", "einreichen", "meinen", "weiter", "nein", "keinen",
                 "submit", "anyway", "my own", "mine", "none")  # fmt: skip
OTHER_TOPIC = "Sonstiges"
OTHER_TOPIC_WORDS = {"sonstiges", "anderes", "other", "something else", "none of these"}
TOPIC_MATCH_CUTOFF = 80
MAX_EMAIL_RETRIES = 2

SKIP_WORDS = {"überspringen", "ueberspringen", "weiter", "keiner", "kein ort", "nein", "-",
              "egal", "nirgends", "ohne ort", "skip", "no", "none", "nowhere",
              "no place", "anywhere", "next", "continue"}  # fmt: skip
# A yes or a button word is no place ("ok", "Absenden" at the place step).
NOT_A_PLACE = {"ja", "ok", "okay", "jo", "gut", "passt", "absenden", "senden",
               "fertig", "stimmt", "genau", "richtig", "yes", "send", "done",
               "right", "correct", "sure", "fine"}  # fmt: skip
WORDS = re.compile(r"\w")
NO_EMAIL_WORDS = {"ohne e-mail", "ohne email", "ohne e-mail weiter", "keine", "keine e-mail",
                  "nein", "überspringen", "weiter", "no", "no email", "no e-mail",
                  "without email", "without e-mail", "continue without email",
                  "skip", "none", "continue"}  # fmt: skip
# Button choice -> the slots it resets; its title is the template
# tpl_button_<choice>. Typed words map to the same choice.
CHANGE_CHOICES = {
    "change_text": ("suggestion_text",),
    "change_topic": ("suggestion_topic",),
    "change_location": ("suggestion_location", "suggestion_position"),
    "change_public": ("suggestion_public",),
    "change_notify": ("suggestion_notify", "suggestion_email",
                      "suggestion_email_consent", "suggestion_email_attempts"),
}  # fmt: skip
TYPED_CHANGES = {
    "idee ändern": "change_text",
    "text ändern": "change_text",
    "thema ändern": "change_topic",
    "ort ändern": "change_location",
    "benachrichtigung ändern": "change_notify",
    "veröffentlichung ändern": "change_public",
    "change idea": "change_text",
    "change text": "change_text",
    "change topic": "change_topic",
    "change place": "change_location",
    "change location": "change_location",
    "change news": "change_notify",
    "change notification": "change_notify",
    "change publishing": "change_public",
}


def plain(text: Any) -> str:
    """User text without control characters, trimmed; markup stays literal text."""
    if not isinstance(text, str):
        return ""
    kept = "".join(
        c for c in text if c in "\n\t" or not unicodedata.category(c).startswith("C")
    )
    return kept.strip()


def folded(text: Any) -> str:
    return re.sub(r"\s+", " ", plain(text).casefold()).strip(" .!")


# Intents that never answer a free-text step: they are answered, then the step
# is asked again. Other question intents only count when the text is a question.
NEVER_AN_ANSWER = {"faq", "help", "bot_challenge", "ask_privacy", "attach_photo",
                   "ask_suggestion_status", "request_data_deletion", "cancel",
                   "support_suggestion", "rephrase", "standard_sprache",
                   "english"}  # fmt: skip
QUESTION_INTENTS = {"ask_projects", "ask_project_info", "ask_events", "ask_contact",
                    "search_suggestions", "out_of_scope", "nlu_fallback"}  # fmt: skip
QUESTION_WORDS = re.compile(
    r"^(wie|was|wann|wo|woher|wohin|wozu|wofür|warum|wieso|weshalb|wer|wen|wem|"
    r"welche[rsmn]?|gibt es|gibt's|kann ich|kann man|können sie|könnt ihr|darf ich|"
    r"muss ich|soll ich|ist das|sind die|habt ihr|haben sie|"
    # English: only the unmistakable starts; an idea may begin "What if ...".
    r"is there|are there|can you|could you|do you|what is|what's|when is|"
    r"where is|where can|who is|how do|how can|how long)\b",
    re.IGNORECASE,
)
# In a direct German question the finite verb comes right after the question
# word ("Wer betreut das Projekt", "Wie viel kostet das"). When an article or a
# pronoun comes there instead, the verb is at the end: an indirect question
# ("wer das Projekt betreut", "wie viel es kostet", "wo man sich anmeldet"),
# which answers "Was hat Ihnen gefehlt?" and is no question to the assistant.
# "wie viel", "wie lange" ... and "welche Unterlagen" count as one question word.
INDIRECT_QUESTION = re.compile(
    r"^(?:wie(?:\s+(?:viele?|lange|oft|weit|teuer|groß|gross|spät|früh|genau))?|"
    r"was|wann|wo|woher|wohin|wozu|wofür|warum|wieso|weshalb|wer|wen|wem|"
    r"welche[rsmn]?\s+\w+)\s+"
    r"(?:der|die|das|dem|den|des|ein|eine|einer|eines|einem|einen|man|es|ich|du|"
    r"er|sie|wir|ihr|sich|mein\w*|dein\w*|sein\w*|ihr\w*|unser\w*|euer\w*|"
    r"dies\w*|jemand|hier|da|dort)\b",
    re.IGNORECASE,
)
# A free-text step is left for out_of_scope only when the classifier is sure:
# places and ideas are often taken for it ("beim Bürgerbüro": 0.66).
SURE_OUT_OF_SCOPE = 0.7


# A typed share_location ("Kann ich meinen Standort senden?") is about sending
# one, not a place, when it is a question or names the location itself.
ABOUT_SENDING_A_LOCATION = re.compile(r"\b(standort|position|gps|koordinaten)", re.I)


def is_question(text: str) -> bool:
    """A question by its form: a question mark at the end, or a German question
    word or verb at the start ("wie funktioniert das") that does not begin an
    indirect question ("wie es funktioniert", see INDIRECT_QUESTION)."""
    text = plain(text)
    if text.endswith("?"):
        return True
    return bool(QUESTION_WORDS.match(text)) and not INDIRECT_QUESTION.match(text)


def asks_instead(tracker: Tracker, intents: set[str]) -> bool:
    """The latest message is a question (by its form) with one of `intents`,
    to be answered instead of taken as the answer to a step; out_of_scope
    only when the classifier is sure of it."""
    name, confidence = latest_intent(tracker)
    if name not in intents or not is_question(latest_text(tracker)):
        return False
    return name != "out_of_scope" or confidence >= SURE_OUT_OF_SCOPE


def not_a_choice(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """A step that waits for a choice got none: a question is told when it
    gets its answer, anything else that it was not understood."""
    if asks_instead(tracker, QUESTION_INTENTS):
        dispatcher.utter_message(response="utter_question_during_choice")
    else:
        dispatcher.utter_message(response="utter_please_use_buttons")


def free_text_answer(tracker: Tracker, slot: str) -> str | None:
    """The latest message as the answer to the free-text step `slot`, or None
    when the form is elsewhere or the message is a question or a command."""
    if tracker.active_loop_name != "suggestion_form":
        return None
    if tracker.get_slot("requested_slot") != slot:
        return None
    text = plain(tracker.latest_message.get("text"))
    intent = intent_of(tracker)
    if intent == "share_idea":
        return text
    if intent == "cancel" and unclear_cancel(tracker) and not text.startswith("/"):
        return text  # "Stoppt den Ausbau der Straße" is an idea, not a command
    if intent in NEVER_AN_ANSWER:
        return None
    if text.startswith("/"):
        # A button: only the form's own buttons (skip, no e-mail) answer a step.
        return text if intent in ("inform", "affirm", "deny") else None
    if asks_instead(tracker, QUESTION_INTENTS):
        return None
    if intent == "share_location" and (
        is_question(text) or ABOUT_SENDING_A_LOCATION.search(text)
    ):
        return None
    if (
        slot == "suggestion_text"
        and intent == "submit_suggestion"
        and is_question(text)
    ):
        return None  # "Wie reiche ich eine Idee ein?": the form starts over and asks
    return text


# Something with an "@" between characters that cannot be part of an address
# here ("E-Mail:anna@example.org", "<anna@example.org>", "mailto:...").
ADDRESS_LIKE = re.compile(
    r"[^\s<>()\[\]{},;:\"'„“”‚‘«»]+@[^\s<>()\[\]{},;:\"'„“”‚‘«»]+"
)


def addresses_in(text: Any) -> list[str]:
    """The valid e-mail addresses in a message, normalized, each once."""
    found: dict[str, str] = {}
    for candidate in ADDRESS_LIKE.findall(plain(text)):
        try:
            address = validate_email(
                candidate.strip(".!?"), check_deliverability=False
            ).normalized
        except EmailNotValidError:
            continue
        found.setdefault(address.casefold(), address)
    return list(found.values())


def the_address_in(text: Any) -> str | None:
    """The address of a message with exactly one valid address in it. That is
    the answer whatever the classifier read in it: "news-abc@example.org" is
    no "no", "abbrechen@example.org" no cancel."""
    found = addresses_in(text)
    return found[0] if len(found) == 1 else None


def intent_of(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def choice_of(tracker: Tracker) -> str | None:
    """The `choice` a form button sent (payload /inform{"choice": ...})."""
    value = next(tracker.get_latest_entity_values("choice"), None)
    return value if isinstance(value, str) else None


def choice_button(title: str, choice: str) -> dict[str, str]:
    return {"title": title, "payload": intent_payload("inform", choice=choice)}


def topic_names() -> list[str]:
    return [t.name for t in load_topics(get_settings().content_dir)] + [OTHER_TOPIC]


def topic_title(say: Wording, name: str) -> str:
    """A topic as the citizen reads it; stored and sent by its German name."""
    return say("tpl_other_topic") if name == OTHER_TOPIC else say.name(name)


def shared_position(tracker: Tracker) -> Position | None:
    """The position of a shared location (/share_location{"latitude", "longitude"})."""
    if intent_of(tracker) != "share_location":
        return None
    return Position.parse(
        next(tracker.get_latest_entity_values("latitude"), None),
        next(tracker.get_latest_entity_values("longitude"), None),
    )


def district_of(position: Position) -> str | None:
    try:
        districts = load_districts(get_settings().content_dir)
    except ContentError:
        logger.exception("district list unavailable")
        return None
    return district_at(
        position, [(d.name, d.position) for d in districts if d.position]
    )


def _extracted(slot: str, tracker: Tracker) -> dict[str, Any]:
    answer = free_text_answer(tracker, slot)
    return {} if answer is None else {slot: answer}


# Answered at the topic step even when not asked as a question, as its slot
# mapping did before: the topics are buttons, so nothing the citizen wrote is lost.
ANSWERED_AT_TOPIC_STEP = frozenset({"ask_contact", "ask_events", "request_human"})
# Steps that hold what the citizen wrote: an unclear cancel then asks first.
CONTENT_SLOTS = ("suggestion_text", "suggestion_topic", "suggestion_location")
# Rules in data/rules/suggestions.yml answer these during the form.
ANSWERED_DURING_FORM = frozenset(
    {"faq", "help", "bot_challenge", "ask_privacy", "ask_contact", "request_human",
     "ask_events", "ask_suggestion_status", "ask_projects", "ask_project_info",
     "search_suggestions", "out_of_scope", "nlu_fallback", "rephrase", "standard_sprache"}
)  # fmt: skip


class ValidateSuggestionForm(ConfirmDiscard, FormValidationAction):
    discard_slot = "suggestion_discard"
    answered_elsewhere = ANSWERED_DURING_FORM

    def name(self) -> str:
        return "validate_suggestion_form"

    def has_content(self, tracker: Tracker) -> bool:
        return content_slots_filled(tracker, CONTENT_SLOTS)

    def answers_the_step(self, tracker: Tracker) -> bool:
        """An address at the e-mail step, though read as a cancel ("stop@...")."""
        return tracker.get_slot("requested_slot") == "suggestion_email" and bool(
            the_address_in(latest_text(tracker))
        )

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        slots = ["suggestion_text", "suggestion_topic", "suggestion_location"]
        if tracker.get_slot("suggestion_similar"):
            slots.append("suggestion_similar_choice")
            if tracker.get_slot("suggestion_similar_choice") == SUPPORTED:
                return slots  # the citizen backs another one: nothing more to ask
        slots.append("suggestion_notify")
        if tracker.get_slot("suggestion_notify") == "email":
            slots.append("suggestion_email")
            if tracker.get_slot("suggestion_email"):
                slots.append("suggestion_email_consent")
        return [*slots, "suggestion_public", "suggestion_confirmed"]

    async def extract_suggestion_text(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _extracted("suggestion_text", tracker)

    async def extract_suggestion_topic(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A typed topic or a topic button; a question is answered instead
        ("Wo verlängere ich meinen Personalausweis?"), then the step is asked again."""
        if intent_of(tracker) in ANSWERED_AT_TOPIC_STEP:
            return {}
        return _extracted("suggestion_topic", tracker)

    async def extract_suggestion_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A typed place at its step; a shared location at any step of the form."""
        if (
            tracker.active_loop_name != "suggestion_form"
            or intent_of(tracker) != "share_location"
        ):
            return _extracted("suggestion_location", tracker)
        if shared_position(tracker) is not None:
            # The position itself is set by validate_suggestion_location: rasa_sdk
            # drops extracted slots that the form does not require.
            place = plain(latest_entity(tracker, "place"))[:LOCATION_MAX]
            return {"suggestion_location": place or SHARED_PLACE}
        answer = _extracted("suggestion_location", tracker)
        if answer:
            return answer  # a place the classifier took for sharing one
        text = plain(tracker.latest_message.get("text"))
        dispatcher.utter_message(
            response="utter_location_unreadable"
            if text.startswith("/")
            else "utter_location_how"
        )
        # Set to what it was, so the form goes on and asks its step again.
        return {"suggestion_location": tracker.get_slot("suggestion_location")}

    async def extract_suggestion_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = tracker.latest_message.get("text") or ""
        if "@" in text and tracker.get_slot("requested_slot") == "suggestion_email":
            return {"suggestion_email": text}  # an address, even with "?" after it
        return _extracted("suggestion_email", tracker)

    async def validate_suggestion_text(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        text = plain(value)
        if len(text) < TEXT_MIN:
            dispatcher.utter_message(response="utter_suggestion_text_too_short")
            return {"suggestion_text": None}
        if len(text) > TEXT_MAX:
            dispatcher.utter_message(
                response="utter_suggestion_text_too_long", length=len(text)
            )
            return {"suggestion_text": None}
        key = sender_key(tracker.sender_id)
        try:
            earlier = await database().run(
                lambda s: getattr(
                    store.same_text_from_sender(s, key, text), "reference", None
                ),
                read_only=True,
            )
        except SQLAlchemyError:
            logger.exception("duplicate check skipped: database unavailable")
            earlier = None
        if earlier:
            dispatcher.utter_message(
                response="utter_suggestion_duplicate", reference=earlier
            )
            return {"suggestion_text": None}
        return {"suggestion_text": text}

    async def validate_suggestion_topic(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        try:
            names = topic_names()
        except ContentError:
            logger.exception("topic list unavailable; storing as 'Sonstiges'")
            return {"suggestion_topic": OTHER_TOPIC}
        entity = next(tracker.get_latest_entity_values("topic"), None)
        if folded(value) in OTHER_TOPIC_WORDS:
            return {"suggestion_topic": OTHER_TOPIC}
        # A topic by its German name, or by its English one (issue 34).
        known = {name: name for name in names}
        known.update((english, german) for german, english in english_names().items())
        for candidate in (entity, plain(value)):
            if not isinstance(candidate, str) or not candidate:
                continue
            match = process.extractOne(
                candidate,
                list(known),
                scorer=fuzz.WRatio,
                processor=utils.default_process,
                score_cutoff=TOPIC_MATCH_CUTOFF,
            )
            if match and known[match[0]] in names:
                return {"suggestion_topic": known[match[0]]}
        dispatcher.utter_message(response="utter_suggestion_topic_unknown")
        return {"suggestion_topic": None}

    async def validate_suggestion_location(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        result = self._place(value, dispatcher, tracker)
        answered = "suggestion_position" in result  # not refused, not left as it was
        if answered and tracker.get_slot("suggestion_similar_choice") is None:
            result["suggestion_similar"] = await similar_published(tracker, result)
        return result

    def _place(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        position = shared_position(tracker)
        unreadable = (
            position is None
            and intent_of(tracker) == "share_location"
            and free_text_answer(tracker, "suggestion_location") is None
        )
        if unreadable:
            return {"suggestion_location": value}  # left as it was
        text = plain(value)
        if position is not None:
            district = district_of(position)
            if district:
                dispatcher.utter_message(
                    response="utter_location_taken_in_district", district=district
                )
            else:
                dispatcher.utter_message(response="utter_location_taken")
            return {
                "suggestion_location": text or SHARED_PLACE,
                "suggestion_position": {**position.as_dict(), "district": district},
            }
        skipped = choice_of(tracker) == "skip" or folded(text) in SKIP_WORDS
        if skipped or intent_of(tracker) == "deny":
            return {"suggestion_location": "", "suggestion_position": None}
        if not WORDS.search(text) or folded(text) in NOT_A_PLACE:
            dispatcher.utter_message(response="utter_suggestion_location_unclear")
            return {"suggestion_location": None}
        if len(text) > LOCATION_MAX:
            dispatcher.utter_message(response="utter_suggestion_location_too_long")
            return {"suggestion_location": None}
        # A typed place that names a district keeps it: it helps find similar ones.
        district = latest_entity(tracker, "district")
        return {
            "suggestion_location": text,
            "suggestion_position": {"district": district} if district else None,
        }

    async def validate_suggestion_similar_choice(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Back one of the similar suggestions (and stop), or hand in one's own."""
        offered = {
            item["reference"] for item in tracker.get_slot("suggestion_similar") or []
        }
        reference = normalize_reference(latest_entity(tracker, "reference") or "")
        if intent_of(tracker) == "support_suggestion" and reference in offered:
            backed = await support(dispatcher, tracker, reference)
            return {"suggestion_similar_choice": SUPPORTED if backed else None}
        answer = folded(value)
        if (
            choice_of(tracker) == "submit_anyway"
            or answer.startswith(SUBMIT_ANYWAY)
            or intent_of(tracker) == "deny"
        ):
            return {"suggestion_similar_choice": "submit"}
        not_a_choice(dispatcher, tracker)
        return {"suggestion_similar_choice": None}

    async def validate_suggestion_notify(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        choice, answer = choice_of(tracker), folded(value)
        if choice == "email" or (choice not in ("chat", "none") and "mail" in answer):
            if get_settings().smtp is None:
                # Offered nowhere then; typed or an old button: say so.
                say = await current_wording(tracker)
                dispatcher.utter_message(text=say("tpl_no_email_here"))
                return {"suggestion_notify": "chat"}
            return {"suggestion_notify": "email"}
        if choice in ("chat", "none"):
            return {"suggestion_notify": choice}
        if intent_of(tracker) == "affirm" or answer.startswith(
            ("ja", "gern", "im chat")
        ):
            return {"suggestion_notify": "chat"}
        if intent_of(tracker) == "deny" or answer.startswith(("nein", "nicht", "kein")):
            return {"suggestion_notify": "none"}
        not_a_choice(dispatcher, tracker)
        return {"suggestion_notify": None}

    async def validate_suggestion_email(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        text = plain(value)
        address = the_address_in(text)
        if address:
            return {"suggestion_email": address, "suggestion_email_attempts": None}
        no_email = choice_of(tracker) == "no_email" or folded(text) in NO_EMAIL_WORDS
        # A "no" without an "@": one with it is a mistyped address, asked again.
        if no_email or (intent_of(tracker) == "deny" and "@" not in text):
            return {"suggestion_email": "", "suggestion_notify": "chat"}
        return self._email_not_understood(dispatcher, tracker)

    @staticmethod
    def _email_not_understood(
        dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """Asked again twice, then the form goes on without e-mail."""
        attempts = int(tracker.get_slot("suggestion_email_attempts") or 0) + 1
        if attempts > MAX_EMAIL_RETRIES:
            dispatcher.utter_message(response="utter_suggestion_email_given_up")
            return {
                "suggestion_email": "",
                "suggestion_notify": "chat",
                "suggestion_email_attempts": None,
            }
        dispatcher.utter_message(response="utter_suggestion_email_invalid")
        return {"suggestion_email": None, "suggestion_email_attempts": attempts}

    async def validate_suggestion_email_consent(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        answer = folded(value)
        if (
            intent_of(tracker) == "affirm"
            or "willige ein" in answer
            or answer.startswith("ja")
        ):
            return {"suggestion_email_consent": True}
        if intent_of(tracker) == "deny" or answer.startswith(("nein", "ohne")):
            # No consent, no address: notifications then come in the chat only.
            return {
                "suggestion_email_consent": False,
                "suggestion_email": "",
                "suggestion_notify": "chat",
            }
        not_a_choice(dispatcher, tracker)
        return {"suggestion_email_consent": None}

    async def validate_suggestion_public(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Publicly shown only on a clear yes; anything unclear is asked again."""
        choice, answer = choice_of(tracker), folded(value)
        if choice in ("public", "private"):
            return {"suggestion_public": choice == "public"}
        if intent_of(tracker) == "deny" or answer.startswith(
            ("nein", "nicht", "lieber nicht")
        ):
            return {"suggestion_public": False}
        if intent_of(tracker) == "affirm" or answer.startswith(
            ("ja", "gern", "öffentlich")
        ):
            return {"suggestion_public": True}
        not_a_choice(dispatcher, tracker)
        return {"suggestion_public": None}

    async def validate_suggestion_confirmed(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        answer = folded(value)
        change = choice_of(tracker) or TYPED_CHANGES.get(answer)
        if change in CHANGE_CHOICES:
            slots = CHANGE_CHOICES[change]
            return {slot: None for slot in (*slots, "suggestion_confirmed")}
        if intent_of(tracker) == "affirm" or answer.startswith(
            ("absenden", "abschicken", "senden", "ja", "send", "submit", "yes")
        ):
            return {"suggestion_confirmed": True}
        not_a_choice(dispatcher, tracker)
        return {"suggestion_confirmed": None}


async def similar_published(tracker: Tracker, place: dict[str, Any]) -> list[dict]:
    """Published open suggestions like this idea, for the similar step; [] if
    none (or the database is away: the form goes on without)."""
    position = place.get("suggestion_position") or {}
    idea = Idea(
        text=tracker.get_slot("suggestion_text") or "",
        topic=tracker.get_slot("suggestion_topic"),
        district=position.get("district") or latest_entity(tracker, "district"),
        position=Position.parse(position.get("latitude"), position.get("longitude")),
    )
    key = sender_key(tracker.sender_id)

    def work(session) -> list[dict]:
        found = similar(session, idea, exclude_sender=key)
        counts = supports.counts(session, [s.id for s, _score in found])
        return [
            {"reference": s.reference, "title": s.public_title,
             "status": s.status, "count": counts.get(s.id, 0)}
            for s, _score in found
        ]  # fmt: skip

    if not idea.text:
        return []
    try:
        return await database().run(work, read_only=True)
    except SQLAlchemyError:
        logger.exception("similar suggestions skipped: database unavailable")
        return []


def place_line(say: Wording, location: str | None, position: Any) -> str:
    district = position.get("district") if isinstance(position, dict) else None
    # Stored in German for staff; shown in the citizen's language.
    if not location or location == SHARED_PLACE:
        location = say("tpl_shared_place") if location or district else None
    if district:
        return say("tpl_summary_district", place=location, district=district)
    return location or "–"


async def waiting_photos(tracker: Tracker) -> int | None:
    """How many photos wait for the sender's form; None if the database is down."""
    key = sender_key(tracker.sender_id)
    try:
        return await database().run(
            lambda s: photos.pending_count(s, key), read_only=True
        )
    except SQLAlchemyError:
        logger.exception("cannot count waiting photos")
        return None


def photo_line(say: Wording, count: int | None) -> str | None:
    """The summary's photo line; none while the database cannot count them."""
    if count is None:
        return None
    return (
        say("tpl_summary_photos", count=count)
        if count
        else say("tpl_summary_no_photos")
    )


class ActionAskSuggestionTopic(Action):
    def name(self) -> str:
        return "action_ask_suggestion_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        try:
            names = topic_names()
        except ContentError:
            logger.exception("topic list unavailable")
            names = [OTHER_TOPIC]
        # The question is a response, so staff edit it and it comes in Leichter
        # Sprache; the topics are the buttons Rasa adds to it.
        say = await current_wording(tracker)
        dispatcher.utter_message(
            response="utter_topic_question",
            buttons=[
                {"title": topic_title(say, name),
                 "payload": intent_payload("inform", topic=name)}
                for name in names
            ],
        )  # fmt: skip
        return []


class ActionAskSuggestionSimilarChoice(Action):
    """Similar published suggestions, each with a button to back it."""

    def name(self) -> str:
        return "action_ask_suggestion_similar_choice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        found = tracker.get_slot("suggestion_similar") or []
        say = await current_wording(tracker)
        board = f"{get_settings().public_url}/vorschlaege"
        listed = "\n".join(
            say(
                "tpl_suggestion_similar_line",
                number=number,
                title=item["title"],
                status=say.state(item["status"]),
                count=item["count"],
                link=f"{board}/{item['reference']}",
            )
            for number, item in enumerate(found, start=1)
        )
        buttons = [
            support_button(item["reference"], item["title"], say) for item in found
        ]
        buttons.append(choice_button(say("tpl_button_submit_anyway"), "submit_anyway"))
        dispatcher.utter_message(
            text=say("tpl_suggestion_similar", list=listed), buttons=buttons
        )
        return []


class ActionAskSuggestionNotify(Action):
    """News by e-mail is offered only where the city has a mail server
    (SMTP_HOST): an option that is never sent would be a promise not kept."""

    def name(self) -> str:
        return "action_ask_suggestion_notify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        if get_settings().smtp is None:
            dispatcher.utter_message(response="utter_ask_suggestion_notify_chat")
        else:
            dispatcher.utter_message(response="utter_ask_suggestion_notify")
        return []


class ActionAskSuggestionEmail(Action):
    def name(self) -> str:
        return "action_ask_suggestion_email"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        try:
            privacy_url = load_contact(get_settings().content_dir).privacy_url
        except ContentError:
            privacy_url = None
        say = await current_wording(tracker)
        dispatcher.utter_message(
            text=say("tpl_suggestion_email_question", privacy_url=privacy_url),
            buttons=[choice_button(say("tpl_button_no_email"), "no_email")],
        )
        return []


class ActionAskSuggestionConfirmed(Action):
    """The summary, with buttons to send, change a field, or cancel."""

    def name(self) -> str:
        return "action_ask_suggestion_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        slot = tracker.get_slot
        say = await current_wording(tracker)
        news = say("tpl_summary_no")
        if slot("suggestion_notify") in ("chat", "email"):
            news = say("tpl_summary_news_chat")
        if slot("suggestion_notify") == "email" and slot("suggestion_email"):
            news = say("tpl_summary_news_email", email=slot("suggestion_email"))
        public = slot("suggestion_public") is True
        text = say(
            "tpl_suggestion_summary",
            text=slot("suggestion_text"),
            topic=topic_title(say, slot("suggestion_topic") or OTHER_TOPIC),
            place=place_line(
                say, slot("suggestion_location"), slot("suggestion_position")
            ),
            photos=photo_line(say, await waiting_photos(tracker)),
            news=news,
            public=say("tpl_summary_yes" if public else "tpl_summary_no"),
        )
        buttons = [{"title": say("tpl_button_send"), "payload": "/affirm"}]
        buttons += [
            choice_button(say(f"tpl_button_{choice}"), choice)
            for choice in CHANGE_CHOICES
        ]
        buttons.append({"title": say("tpl_button_cancel"), "payload": "/cancel"})
        dispatcher.utter_message(text=text, buttons=buttons)
        return []
