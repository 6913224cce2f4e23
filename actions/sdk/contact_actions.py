"""Contact, hand-off to a person, privacy information from contact.yml, and
the city's service portal for questions outside the assistant's topics."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.sdk.base import EventList
from actions.sdk.live_actions import (
    contact_buttons,
    contact_or_apology,
    current_live_state,
)
from core.content import Contact
from core.settings import get_settings

logger = logging.getLogger(__name__)


def contact_lines(contact: Contact) -> list[str]:
    lines = [contact.organisation]
    if contact.office:
        lines.append(contact.office)
    lines.append(f"E-Mail: {contact.email}")
    if contact.phone:
        lines.append(f"Telefon: {contact.phone}")
    if contact.hours_text:
        lines.append(f"Sprechzeiten: {contact.hours_text}")
    if contact.address:
        lines.append(f"Adresse: {contact.address}")
    if contact.url:
        lines.append(f"Internet: {contact.url}")
    return lines


class ActionContact(Action):
    """Says how to reach a person at the Smart-City office."""

    def name(self) -> str:
        return "action_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        contact = contact_or_apology(dispatcher)
        if contact is None:
            return []
        lines = [
            "Ein Mensch aus dem Team hilft Ihnen gern weiter:",
            *contact_lines(contact),
        ]
        if contact.example:
            lines.append("(Hinweis: Das sind Beispieldaten.)")
        try:
            state = await current_live_state(contact, tracker.sender_id)
        except SQLAlchemyError:
            logger.exception("contact: cannot tell whether a person is there")
            buttons = []
        else:
            buttons = contact_buttons(state, tracker)
            if state.possible and buttons:
                lines.append("Gerade ist auch jemand im Live-Chat für Sie da.")
        dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
        return []


class ActionOutOfScope(Action):
    """Not the assistant's topic ("Wo verlängere ich meinen Personalausweis?"):
    says so and links to the city's services (SERVICE_PORTAL_URL)."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        # The setting is a checked http(s) URL, never empty (core.settings).
        dispatcher.utter_message(
            response="utter_out_of_scope",
            service_portal_url=get_settings().service_portal_url,
        )
        return []


class ActionPrivacy(Action):
    """Explains what the assistant stores and whom to ask about data protection."""

    def name(self) -> str:
        return "action_privacy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        contact = contact_or_apology(dispatcher)
        if contact is None:
            return []
        retention = get_settings().retention_days
        lines = [
            "Datenschutz in Kürze:",
            "• Ich bin ein automatischer Assistent, kein Mensch.",
            "• Ich speichere den Verlauf dieses Gesprächs, damit ich Sie verstehe. "
            "Ihren Namen brauche ich nicht.",
            "• Vorschläge speichert die Stadt mit Thema, Ort und Datum. Statt Ihrer "
            "Kennung im Chat speichern wir dabei nur ein Pseudonym.",
            "• Nur wenn Sie Nachrichten zu Ihrem Vorschlag wünschen, speichern wir "
            "Ihre Chat-Kennung, und eine E-Mail-Adresse nur mit Ihrer Einwilligung. "
            f"Diese Kontaktdaten löschen wir {retention} Tage nach Abschluss Ihres "
            "Vorschlags, den Gesprächsverlauf nach "
            f"{retention} Tagen. Wünschen Sie Neuigkeiten zu einem Vorschlag, den Sie "
            "unterstützen, gilt für Ihre Chat-Kennung dasselbe.",
            "• Ihre E-Mail-Adresse nutzen wir nur für Neuigkeiten und Nachrichten "
            "des Teams zu Ihrem Vorschlag. Jede E-Mail hat einen Link „Keine "
            "E-Mails mehr bekommen“: Damit löschen Sie Adresse und Einwilligung.",
            "• Im Live-Chat mit dem Team liest eine Person aus dem Smart-City-Büro "
            "diesen Verlauf und antwortet Ihnen. Wer das war, halten wir fest. "
            "Nachrichten an das Team speichern wir, bis sie erledigt sind, danach "
            f"noch {retention} Tage. Für die Antworten des Teams an Sie gilt "
            "dasselbe, auch für ungelesene.",
            "• Schreibt Ihnen das Team, frage ich, ob Ihre nächste Nachricht eine "
            "Antwort an das Team ist. Nur wenn Sie ja sagen, sieht das Team sie. "
            f"Wir löschen sie nach {retention} Tagen.",
            "• Verstehe ich eine Nachricht nicht, sieht das Team sie, damit ich "
            "dazulerne. Einzelne Sätze nimmt es ohne Bezug zu Ihnen in meine "
            f"Übungsdaten auf. Was das Team dazu festhält, löschen wir nach {retention} "
            "Tagen.",
            "• Bewerten Sie eine Antwort mit 👍 oder 👎, speichern wir Ihre Frage, "
            "die Antwort und Ihren Hinweis mit einem Pseudonym statt Ihrer "
            f"Kennung. Frage, Hinweis und Pseudonym löschen wir nach {retention} "
            "Tagen.",
            "• Schreiben Sie „Meine Daten löschen“, dann lösche ich Ihre Vorschläge, "
            "Nachrichten und Antworten an das Team, Bewertungen, Kontaktdaten und "
            "diesen Verlauf sofort. Wollen Sie nur den Verlauf löschen, sagen Sie "
            "„Nur den Verlauf löschen“: Ihre Vorschläge bleiben dann bei der Stadt.",
            "• Bitte schreiben Sie mir keine sensiblen Daten, zum Beispiel zu Ihrer Gesundheit.",
        ]
        who = contact.privacy_contact or contact.email
        lines.append(f"• Fragen zum Datenschutz beantwortet: {who}")
        if contact.privacy_url:
            lines.append(f"Ausführliche Informationen: {contact.privacy_url}")
        dispatcher.utter_message(text="\n".join(lines))
        return []
