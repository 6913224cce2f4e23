"""What the Telegram bridge itself says, and the commands it offers."""

from __future__ import annotations

from dataclasses import dataclass

from bot.shared.photos import REFUSALS, REFUSALS_ENGLISH, REFUSALS_LEICHT
from core.protocol import ENGLISH, LEICHTE_SPRACHE

UNAVAILABLE = (
    "Ich bin gerade nicht erreichbar. Bitte versuchen Sie es in ein paar Minuten "
    "noch einmal."
)
NO_ANSWER = (
    "Entschuldigung, darauf habe ich gerade keine Antwort. Tippen Sie /hilfe, "
    "um zu sehen, wobei ich helfen kann."
)
NOT_TEXT = (
    "Ich kann leider nur Text, Fotos und Standorte verstehen. Sprachnachrichten, "
    "Sticker und Dateien kann ich nicht lesen. Bitte schreiben Sie mir Ihr "
    "Anliegen als Text. Fotos und Standorte nehme ich nur im privaten Chat mit "
    "mir an."
)
PHOTO_FAILED = (
    "Das Foto konnte ich gerade nicht speichern. Bitte senden Sie es noch einmal."
)
TOO_MANY_PHOTOS = (
    "Sie haben schon drei Fotos angehängt. Mehr passen nicht zu einem Vorschlag."
)
UNKNOWN_COMMAND = (
    "Diesen Befehl kenne ich nicht. Tippen Sie /hilfe, um zu sehen, wobei ich "
    "helfen kann."
)
STALE_BUTTON = (
    "Diese Auswahl ist nicht mehr aktuell. Bitte schreiben Sie mir Ihr Anliegen."
)
CHOSEN = "Ihre Auswahl: {title}"
NO_PHOTOS_IN_LIVE_CHAT = (
    "Im Live-Chat kann das Team leider keine Fotos sehen. Bitte beschreiben Sie "
    "es in Worten."
)
TOO_FAST = (
    "Sie schreiben sehr schnell. Bitte warten Sie einen Moment, dann antworte ich "
    "wieder."
)
TEAM_ONLY_IN_PRIVATE = (
    "Mit dem Team schreiben Sie nur im privaten Chat mit mir. In der Gruppe "
    "würden alle die Antworten lesen. Schreiben Sie mir dazu bitte direkt: @{bot}"
)
# Asking for a person; in a group the bridge answers these itself.
TEAM_PAYLOADS = ("/request_human", "/leave_message")
FAILED = (
    "Entschuldigung, da ist etwas schiefgegangen. Bitte versuchen Sie es noch einmal."
)

# The same in Leichter Sprache, for a chat that switched to it (/leicht).
LEICHT = {
    UNAVAILABLE: (
        "Ich kann gerade nicht antworten.\n"
        "Bitte versuchen Sie es in ein paar Minuten noch einmal."
    ),
    NO_ANSWER: (
        "Entschuldigung.\nDarauf habe ich gerade keine Antwort.\n"
        "Tippen Sie /hilfe.\nDann sehen Sie, wobei ich helfen kann."
    ),
    NOT_TEXT: (
        "Ich kann nur Text, Fotos und Orte verstehen.\n"
        "Sprach·nachrichten und Dateien kann ich nicht lesen.\n"
        "Bitte schreiben Sie mir.\n"
        "Fotos und Orte nehme ich nur im Chat mit mir allein an."
    ),
    PHOTO_FAILED: (
        "Ich konnte das Foto gerade nicht speichern.\n"
        "Bitte schicken Sie es noch einmal."
    ),
    TOO_MANY_PHOTOS: (
        "Sie haben schon 3 Fotos geschickt.\nZu einem Vorschlag passen nur 3 Fotos."
    ),
    UNKNOWN_COMMAND: (
        "Diesen Befehl kenne ich nicht.\n"
        "Tippen Sie /hilfe.\nDann sehen Sie, wobei ich helfen kann."
    ),
    STALE_BUTTON: "Diese Auswahl gilt nicht mehr.\nBitte schreiben Sie mir.",
    NO_PHOTOS_IN_LIVE_CHAT: (
        "Das Team kann hier keine Fotos sehen.\n"
        "Bitte schreiben Sie, was auf dem Foto ist."
    ),
    TOO_FAST: "Sie schreiben sehr schnell.\nBitte warten Sie kurz.",
    FAILED: "Entschuldigung.\nDas hat nicht geklappt.\nBitte versuchen Sie es noch einmal.",
    **{REFUSALS[reason]: REFUSALS_LEICHT[reason] for reason in REFUSALS},
}


# The same in English, for a chat that switched to it (/english).
ENGLISH_TEXTS = {
    UNAVAILABLE: "I can't be reached right now. Please try again in a few minutes.",
    NO_ANSWER: (
        "Sorry, I don't have an answer to that right now. Type /help to see what"
        " I can help you with."
    ),
    NOT_TEXT: (
        "Sorry, I can only understand text, photos and locations. I can't read"
        " voice messages, stickers or files. Please write your request as text."
        " I only accept photos and locations in a private chat with me."
    ),
    PHOTO_FAILED: "I couldn't save the photo just now. Please send it again.",
    TOO_MANY_PHOTOS: (
        "You have already attached three photos. A suggestion can't have more."
    ),
    UNKNOWN_COMMAND: (
        "I don't know this command. Type /help to see what I can help you with."
    ),
    STALE_BUTTON: "This choice is no longer current. Please write me what you need.",
    CHOSEN: "Your choice: {title}",
    NO_PHOTOS_IN_LIVE_CHAT: (
        "The team can't see photos in the live chat. Please describe it in words."
    ),
    TOO_FAST: "You're writing very fast. Please wait a moment, then I'll answer.",
    TEAM_ONLY_IN_PRIVATE: (
        "You can write with the team only in a private chat with me. In the group,"
        " everyone would read the answers. Please write to me directly: @{bot}"
    ),
    FAILED: "Sorry, something went wrong. Please try again.",
    **{REFUSALS[reason]: REFUSALS_ENGLISH[reason] for reason in REFUSALS},
}
IN = {LEICHTE_SPRACHE: LEICHT, ENGLISH: ENGLISH_TEXTS}


def worded(text: str, language: str | None) -> str:
    """`text` in the language the chat asked for (Leichte Sprache, English)."""
    return IN.get(language or "", {}).get(text, text)


@dataclass(frozen=True)
class Command:
    name: str
    payload: str  # what it sends: an intent as a button payload, or a phrase
    description: str | None = None  # None: works, but is not in the menu


COMMANDS = (
    Command("start", "/greet", "Begrüßung und Überblick"),
    Command("hilfe", "/help", "Was ich für Sie tun kann"),
    Command("help", "/help"),
    Command("vorschlag", "/submit_suggestion", "Einen Vorschlag machen"),
    Command("status", "/ask_suggestion_status", "Stand Ihrer Vorschläge"),
    Command("mensch", "/request_human", "Mit einer Person aus dem Team schreiben"),
    Command("assistent", "zurück zum Assistenten", "Zurück zum Assistenten"),
    Command("leicht", "/rephrase", "Antworten in Leichter Sprache"),
    Command("normal", "/standard_sprache", "Antworten wieder in normaler Sprache"),
    Command("english", "/english", "Answers in English"),
    Command("deutsch", "/standard_sprache", "Antworten wieder auf Deutsch"),
    Command("datenschutz", "/ask_privacy", "Datenschutzhinweise"),
    Command("loeschen", "/request_data_deletion", "Ihre Daten löschen"),
    Command("abbrechen", "/cancel", "Den laufenden Vorgang abbrechen"),
)


# The menu for Telegram users whose app is in English (set_my_commands with
# language_code "en"); a command not named here keeps its German description.
ENGLISH_DESCRIPTIONS = {
    "start": "Welcome and overview",
    "hilfe": "What I can do for you",
    "vorschlag": "Make a suggestion",
    "status": "Status of your suggestions",
    "mensch": "Write with a person from the team",
    "assistent": "Back to the assistant",
    "leicht": "Answers in Leichte Sprache (easy German)",
    "normal": "Answers in standard German again",
    "english": "Answers in English",
    "deutsch": "Answers in German again",
    "datenschutz": "Privacy notice",
    "loeschen": "Delete your data",
    "abbrechen": "Cancel what is under way",
}
