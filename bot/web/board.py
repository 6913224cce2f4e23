"""The public board at /vorschlaege: published suggestions, their status, the
city's replies and their support. Server-rendered HTML, no tracking.

German by default; `?sprache=en` (issue 34) renders the same pages in English
and every link on them keeps it. The suggestions' own words stay as written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from babel.dates import format_datetime

from actions.db import board
from actions.db.session import Database
from actions.db.suggestions import STATUS_LABELS, normalize_reference
from core import protocol
from core.german import local_time
from core.responses import variant_texts
from core.settings import Settings
from core.wording import english_names

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_PAGE = 1000
TOO_FAST_DE = (
    "Zu viele Seitenaufrufe. Bitte warten Sie einen Moment und laden Sie die "
    "Seite dann neu."
)
TOO_FAST_EN = "Too many page views. Please wait a moment, then reload the page."
SORT_LABELS = {"neu": "Neueste zuerst", "unterstuetzt": "Meiste Unterstützung zuerst"}
GERMAN_DAY = "%d.%m.%Y"

# The pages' own words, German -> English, as the templates write them with
# t(...). A pair is (one, more), chosen by the count `n`.
Text = str | tuple[str, str]
ENGLISH: dict[Text, Text] = {
    # layout.html
    "Stadtverwaltung": "City administration",
    "Zum Inhalt springen": "Skip to content",
    "Hauptnavigation": "Main navigation",
    "Projekte": "Projects",
    "Termine": "Events",
    "Vorschläge": "Suggestions",
    "Datenschutz": "Privacy",
    "Smart-City-Büro": "Smart City Office",
    # board.html
    "Vorschläge aus der Bürgerschaft": "Suggestions from residents",
    "Hier zeigt die Stadt Vorschläge, deren Verfasserinnen und Verfasser einer "
    "Veröffentlichung zugestimmt haben, ohne Namen. Sie sehen den Stand und die "
    "Antworten der Stadt und können einen Vorschlag unterstützen.": (
        "Here the city shows suggestions whose authors agreed to their "
        "publication, without names. You can see where each one stands and the "
        "city's replies, and you can support a suggestion."
    ),
    "Haben Sie selbst eine Idee?": "Do you have an idea yourself?",
    "Idee einreichen": "Submit an idea",
    "Schreiben Sie sie dem Stadt-Assistenten unten rechts.": (
        "Write it to the city assistant at the bottom right."
    ),
    "Vorschläge filtern": "Filter suggestions",
    "Thema": "Topic",
    "Alle Themen": "All topics",
    "Stadtteil": "District",
    "Alle Stadtteile": "All districts",
    "Stand": "Status",
    "Jeder Stand": "Any status",
    "Reihenfolge": "Order",
    "Neueste zuerst": "Newest first",
    "Meiste Unterstützung zuerst": "Most support first",
    "Anzeigen": "Show",
    ("{n} Vorschlag", "{n} Vorschläge"): ("{n} suggestion", "{n} suggestions"),
    "veröffentlicht am {day}": "published on {day}",
    "{n}-mal unterstützt": ("supported once", "supported {n} times"),
    "Dazu gibt es noch keine öffentlichen Vorschläge. Haben Sie eine Idee? "
    "Schreiben Sie sie dem Stadt-Assistenten unten rechts.": (
        "There are no public suggestions for this yet. Do you have an idea? "
        "Write it to the city assistant at the bottom right."
    ),
    "Seiten": "Pages",
    "← Vorherige Seite": "← Previous page",
    "Seite {page} von {pages}": "Page {page} of {pages}",
    "Nächste Seite →": "Next page →",
    # board_entry.html
    "← Alle Vorschläge": "← All suggestions",
    "Veröffentlicht": "Published",
    "Nummer": "Reference",
    "Unterstützung": "Support",
    "Unterstützen": "Support this suggestion",
    "Schreiben Sie dem Stadt-Assistenten: „Ich unterstütze {reference}“. Jede "
    "Person zählt einmal.": (
        "Write to the city assistant: “I support {reference}”. Each person "
        "counts once."
    ),
    "Im Chat unterstützen": "Support in the chat",
    "Auf dem Laufenden bleiben": "Stay informed",
    "Schreiben Sie dem Stadt-Assistenten: „{reference} folgen“. Dann bekommen "
    "Sie Neues zu diesem Vorschlag im Chat, höchstens einmal am Tag.": (
        "Write to the city assistant: “Follow {reference}”. You'll then get "
        "news about this suggestion in the chat, at most once a day."
    ),
    "Im Chat folgen": "Follow in the chat",
    "Antworten der Stadt": "Replies from the city",
    "Die Stadt hat noch nicht geantwortet.": "The city has not replied yet.",
    # board_missing.html
    "Vorschlag nicht gefunden": "Suggestion not found",
    "Diesen Vorschlag gibt es hier nicht": "This suggestion is not here",
    "Vielleicht ist er nicht öffentlich oder die Nummer stimmt nicht.": (
        "Perhaps it is not public, or the reference number is wrong."
    ),
    "Alle öffentlichen Vorschläge": "All public suggestions",
}


@jinja2.pass_context
def _say(context, german: Text, /, **values: object) -> str:
    """A text of the page in its language, filled with `values`."""
    text = ENGLISH[german] if context["english"] else german
    if isinstance(text, tuple):
        text = text[0] if values.get("n") == 1 else text[1]
    return text.format(**values) if values else text


def _day(tz):
    german = local_time(tz)

    @jinja2.pass_context
    def day(context, value: datetime) -> str:
        """'07.12.2026' in German, 'December 7, 2026' in English."""
        if not context["english"]:
            return german(value, GERMAN_DAY)
        return format_datetime(value.astimezone(tz), "MMMM d, yyyy", locale="en_US")

    return day


def _language(request: web.Request) -> dict[str, object]:
    """What the templates need for the page's language; German needs only the
    link to English, the rest are the environment's globals."""
    english = request.query.get(protocol.LANGUAGE_SLOT) == protocol.ENGLISH
    context: dict[str, object] = {"switch": _switch(request, to_english=not english)}
    if english:
        states = variant_texts(protocol.ENGLISH)
        context.update(
            english=True,
            lang=protocol.ENGLISH,
            keep_language=f"?{protocol.LANGUAGE_SLOT}={protocol.ENGLISH}",
            status_labels={k: states[f"tpl_state_{k}"] for k in STATUS_LABELS},
            sort_labels={key: ENGLISH[label] for key, label in SORT_LABELS.items()},
            topic_names=english_names(),
        )
    return context


def _switch(request: web.Request, *, to_english: bool) -> dict[str, str]:
    """The link to this page in the other language, same filters and page."""
    query = {k: v for k, v in request.query.items() if k != protocol.LANGUAGE_SLOT}
    if to_english:
        query[protocol.LANGUAGE_SLOT] = protocol.ENGLISH
    href = str(request.rel_url.with_query(query))
    if to_english:
        return {"href": href, "lang": protocol.ENGLISH, "label": "English"}
    return {"href": href, "lang": "de", "label": "Deutsch"}


def setup_board(
    app: web.Application,
    settings: Settings,
    db: Database,
    allowed: Callable[[web.Request], Awaitable[bool]],
) -> None:
    """The board's pages; `allowed`: the web chat's budget per client address
    and overall (ChatApi.allowed), which a page view counts against too."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        context_processors=[aiohttp_jinja2.request_processor],
    )
    env.filters["local"] = local_time(settings.tz)
    env.filters["day"] = _day(settings.tz)
    # German unless a page's context says otherwise (_language).
    env.globals.update(status_labels=STATUS_LABELS, sort_labels=SORT_LABELS,
                       t=_say, english=False, lang="de", keep_language="",
                       topic_names={}, switch=None)  # fmt: skip
    handlers = BoardPages(db, allowed)
    app.router.add_get("/vorschlaege", handlers.list_page, name="board")
    app.router.add_get(
        "/vorschlaege/{reference}", handlers.entry_page, name="board_entry"
    )


def _filters(query, choices: dict[str, list[str]]) -> board.Filters:
    """Only known values filter; anything else is ignored, so every link works."""

    def known(name: str, allowed: list[str]) -> str | None:
        value = query.get(name, "")
        return value if value in allowed else None

    try:
        number = min(max(1, int(query.get("seite", "1"))), MAX_PAGE)
    except ValueError:
        number = 1
    return board.Filters(
        topic=known("thema", choices["topics"]),
        district=known("stadtteil", choices["districts"]),
        status=known("status", choices["statuses"]),
        sort=query.get("sortierung")
        if query.get("sortierung") in board.SORTS
        else "neu",
        page=number,
    )


def _too_fast(request: web.Request) -> web.Response:
    english = request.query.get(protocol.LANGUAGE_SLOT) == protocol.ENGLISH
    return web.Response(text=TOO_FAST_EN if english else TOO_FAST_DE, status=429,
                        headers={"Retry-After": "10"})  # fmt: skip


class BoardPages:
    def __init__(
        self, db: Database, allowed: Callable[[web.Request], Awaitable[bool]]
    ) -> None:
        self.db = db
        self.allowed = allowed

    async def list_page(self, request: web.Request) -> web.Response:
        if not await self.allowed(request):
            return _too_fast(request)

        def work(session):
            choices = board.choices(session)
            filters = _filters(request.query, choices)
            entries, total = board.page(session, filters)
            return {"choices": choices, "filters": filters, "entries": entries,
                    "total": total}  # fmt: skip

        context = await self.db.run(work, read_only=True)
        context.update(_language(request))
        filters = context["filters"]
        context["pages"] = max(1, -(-context["total"] // board.PER_PAGE))
        context["query"] = {
            key: value
            for key, value in (("thema", filters.topic), ("stadtteil", filters.district),
                               ("status", filters.status), ("sortierung", filters.sort),
                               (protocol.LANGUAGE_SLOT,
                                protocol.ENGLISH if context.get("english") else None))
            if value
        }  # fmt: skip
        return aiohttp_jinja2.render_template("board.html", request, context)

    async def entry_page(self, request: web.Request) -> web.Response:
        if not await self.allowed(request):
            return _too_fast(request)
        reference = normalize_reference(request.match_info["reference"])
        found = (
            await self.db.run(lambda s: board.entry(s, reference), read_only=True)
            if reference
            else None
        )
        language = _language(request)
        if found is None:
            return aiohttp_jinja2.render_template(
                "board_missing.html", request, language, status=404
            )
        if request.match_info["reference"] != reference:
            keep = language.get("keep_language", "")
            raise web.HTTPMovedPermanently(f"/vorschlaege/{reference}{keep}")
        return aiohttp_jinja2.render_template(
            "board_entry.html", request, {"e": found, **language}
        )
