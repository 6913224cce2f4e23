"""What the widget's API says itself when it cannot pass a message on, in
standard German, in Leichter Sprache and in English.

A widget in Leichter Sprache or in English adds `?sprache=leicht` or
`?sprache=en` to its requests (the server cannot ask Rasa for the language
when Rasa is what is away); the middleware then swaps each error for its
text in that language.
"""

from __future__ import annotations

from aiohttp import web

from bot.shared.photos import REFUSALS, REFUSALS_ENGLISH, REFUSALS_LEICHT
from core import protocol

MAX_MESSAGE = 2000
MAX_MESSAGE_TEXT = f"{MAX_MESSAGE:,}".replace(",", ".")

BAD_REQUEST = "Die Anfrage ist ungültig. Bitte laden Sie die Seite neu."
EMPTY = "Bitte schreiben Sie eine Nachricht."
TOO_LONG = f"Bitte schreiben Sie höchstens {MAX_MESSAGE_TEXT} Zeichen."
TOO_FAST = "Sie schreiben sehr schnell. Bitte warten Sie einen Moment."
UNAVAILABLE = (
    "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch "
    "einmal."
)
NO_ANSWER = "Entschuldigung, darauf habe ich gerade keine Antwort."
NOT_A_PHOTO_UPLOAD = "Bitte wählen Sie ein Foto aus."
NO_PHOTOS_IN_LIVE_CHAT = (
    "Im Live-Chat kann das Team leider keine Fotos sehen. Bitte beschreiben Sie "
    "es in Worten."
)
TOO_MANY_PHOTOS = (
    "Sie haben schon drei Fotos angehängt. Mehr passen nicht zu einem Vorschlag."
)
PHOTO_NOT_SAVED = (
    "Das Foto konnte gerade nicht gespeichert werden. Bitte versuchen Sie es gleich "
    "noch einmal."
)
NOT_DELETED = (
    "Ihre Daten konnten gerade nicht gelöscht werden. Es bleibt alles, wie es war. "
    "Bitte versuchen Sie es gleich noch einmal."
)
TOO_MANY_STREAMS = (
    "Sie haben den Chat in zu vielen Fenstern geöffnet. Bitte schließen Sie "
    "eines davon."
)

LEICHT = {
    BAD_REQUEST: "Das hat nicht geklappt.\nBitte laden Sie die Seite neu.",
    EMPTY: "Bitte schreiben Sie eine Nachricht.",
    TOO_LONG: (
        "Ihre Nachricht ist zu lang.\n"
        f"Bitte schreiben Sie höchstens {MAX_MESSAGE_TEXT} Zeichen."
    ),
    TOO_FAST: "Sie schreiben sehr schnell.\nBitte warten Sie kurz.",
    UNAVAILABLE: (
        "Ich kann gerade nicht antworten.\nBitte versuchen Sie es gleich noch einmal."
    ),
    NO_ANSWER: "Entschuldigung.\nDarauf habe ich gerade keine Antwort.",
    NOT_A_PHOTO_UPLOAD: "Bitte wählen Sie ein Foto aus.",
    NO_PHOTOS_IN_LIVE_CHAT: (
        "Das Team kann hier keine Fotos sehen.\n"
        "Bitte schreiben Sie, was auf dem Foto ist."
    ),
    TOO_MANY_PHOTOS: (
        "Sie haben schon 3 Fotos geschickt.\n" "Zu einem Vorschlag passen nur 3 Fotos."
    ),
    PHOTO_NOT_SAVED: (
        "Ich konnte das Foto gerade nicht speichern.\n"
        "Bitte versuchen Sie es gleich noch einmal."
    ),
    NOT_DELETED: (
        "Ich konnte Ihre Daten gerade nicht löschen.\n"
        "Es ist alles noch so wie vorher.\n"
        "Bitte versuchen Sie es gleich noch einmal."
    ),
    TOO_MANY_STREAMS: (
        "Sie haben den Chat in sehr vielen Fenstern offen.\n"
        "Bitte machen Sie ein Fenster zu."
    ),
    **{REFUSALS[reason]: REFUSALS_LEICHT[reason] for reason in REFUSALS},
}
ENGLISH = {
    BAD_REQUEST: "Sorry, this request is not valid. Please reload the page.",
    EMPTY: "Please write a message.",
    TOO_LONG: f"Please write no more than {MAX_MESSAGE:,} characters.",
    TOO_FAST: "You are writing very quickly. Please wait a moment.",
    UNAVAILABLE: (
        "The assistant cannot be reached right now. Please try again in a moment."
    ),
    NO_ANSWER: "Sorry, I don't have an answer to that right now.",
    NOT_A_PHOTO_UPLOAD: "Please choose a photo.",
    NO_PHOTOS_IN_LIVE_CHAT: (
        "Sorry, the team cannot see photos in the live chat. Please describe it "
        "in words."
    ),
    TOO_MANY_PHOTOS: (
        "Sorry, a suggestion can take three photos at most, and you have already "
        "attached three."
    ),
    PHOTO_NOT_SAVED: (
        "Sorry, the photo could not be saved just now. Please try again in a moment."
    ),
    NOT_DELETED: (
        "Sorry, your data could not be deleted just now. Everything is as it was. "
        "Please try again in a moment."
    ),
    TOO_MANY_STREAMS: (
        "You have opened the chat in too many windows. Please close one of them."
    ),
    **{REFUSALS[reason]: REFUSALS_ENGLISH[reason] for reason in REFUSALS},
}
# The widget's `?sprache=` value and its texts for the German ones.
IN = {protocol.LEICHTE_SPRACHE: LEICHT, protocol.ENGLISH: ENGLISH}
ERROR_TEXT = "error_text"  # the response's error, for the middleware


def error(status: int, message: str, **headers: str) -> web.Response:
    response = web.json_response({"error": message}, status=status, headers=headers)
    response[ERROR_TEXT] = message
    return response


def wording(request: web.Request) -> dict[str, str]:
    """The texts in the language the widget asked for; {} for standard German."""
    return IN.get(request.query.get(protocol.LANGUAGE_SLOT, ""), {})


def worded(request: web.Request, text: str) -> str:
    """`text` in the language the widget asked for."""
    return wording(request).get(text, text)


@web.middleware
async def errors_in_the_widget_language(request: web.Request, handler):
    response = await handler(request)
    message = response.get(ERROR_TEXT) if isinstance(response, web.Response) else None
    texts = wording(request)
    if message is None or message not in texts:
        return response
    retry = response.headers.get("Retry-After")
    headers = {"Retry-After": retry} if retry else {}
    return error(response.status, texts[message], **headers)
