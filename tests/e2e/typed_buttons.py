"""Every button the assistant can show, and a crawl that reaches each one.

The catalogue comes from the domain's responses and the actions' button
builders (literal titles found in actions/sdk, the form's change choices,
👍/👎, "Weitere anzeigen", the content's topics and projects), so a new
button is covered without writing a test. It also names the intent each
button sends, for the NLU-level figure (tests/nlu/quality.py --typed). The crawl walks the conversation
from a few first messages, pressing each new button once, and answers the
free-text steps of the forms; it remembers the shortest way to every button.
"""

from __future__ import annotations

import ast
import html
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import yaml

from actions.sdk.list_pages import more_button
from actions.sdk.suggestion_form import CHANGE_CHOICES, OTHER_TOPIC
from core.content import load_content, load_topics
from core.protocol import rating_buttons
from core.responses import placeholders, templates
from core.settings import PROJECT_ROOT
from tests.helpers import EXAMPLE_CONTENT

# One step of a way through the conversation: ("type", text) or ("press", title).
Step = tuple[str, str]
MAX_DEPTH = 12
MAX_STATES = 250

IDEA = "Am Hauptbahnhof fehlen überdachte Fahrradständer für Pendler"
# A cancel of many words is not a clear one: with the citizen's words in the
# form, the assistant asks "wirklich verwerfen?" (actions.sdk.clear_requests).
UNCLEAR_CANCEL = "Das möchte ich jetzt doch lieber abbrechen glaube ich"
# What the crawl types at a free-text step (a cue in the question -> answers).
FREE_TEXT = {
    "Beschreiben Sie Ihre Idee": [IDEA],
    "Zu welchem Thema passt": [UNCLEAR_CANCEL],
    "Wie lautet Ihre E-Mail-Adresse": ["crawler@example.org"],
    "Was möchten Sie dem Team mitteilen": ["Bitte rufen Sie mich wegen der Ampel an."],
    "Möchten Sie außerdem eine Telefonnummer": [UNCLEAR_CANCEL],
}
SEEDS = [
    "Hallo",
    "Was kannst du?",
    "Welche Projekte gibt es?",
    "Welche Termine gibt es?",
    "Wer ist die Chief Digital Officer?",
    "Wie kann ich mitmachen?",
    "Was ist KL MitWirkung?",
    "Ich möchte einen Vorschlag machen",
    IDEA,
    "Meine Vorschläge",
    "Meine Daten löschen",
    "Chatverlauf leeren",
    "Wie erreiche ich das Team?",
    "Ich möchte mit einem Menschen sprechen",
    "Können Sie das einfacher sagen?",
    # Issue 34: the English offer ("English", "Deutsch"), then back to German.
    "Do you have any events this weekend?",
    "Sprechen Sie Englisch?",
    "Projekte zum Thema Umwelt",
    "mehr anzeigen",
    "asdf qwertz",
    "ja",
    '/ask_project_info{"project": "Wolkenkratzer"}',
    "Was ist ein Flux-Kompensator?",
    # Issue 36: the board in the chat, found and not found.
    "Gibt es schon Vorschläge zu Radständern?",
    "Gibt es Vorschläge zu Seilbahnen?",
]
# Ways that need what the chat follows first: several messages typed in turn.
FOLLOWING_SEEDS = [
    ("Halten Sie mich über die Innenstadt auf dem Laufenden", "ja",
     "Halten Sie mich über Mobilität auf dem Laufenden", "ja", "Meine Abos"),
    # "Link mit meinen Abos" under the link to Telegram, after the form.
    ("Halten Sie mich über die Innenstadt auf dem Laufenden", "ja",
     "Ich möchte einen Vorschlag machen"),
]  # fmt: skip
REFERENCE = re.compile(r"\b[VR]-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
NUMBER = re.compile(r"\d+")
RANDOM_ID = re.compile(r"[0-9a-f]{16}|[VR]-[0-9A-Z]{4}-[0-9A-Z]{4}")
# A link to Telegram carries a new one-time token each time (issue 36.3).
LINK_TOKEN = re.compile(r"(\?start=)[A-Za-z0-9_-]+")


def payload_intent(payload: str) -> str:
    return payload.lstrip("/").split("{")[0]


def domain_buttons() -> dict[str, set[str]]:
    """Title -> the intents its payloads send, from the domain's responses."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    found: dict[str, set[str]] = {}
    for variants in domain["responses"].values():
        for variant in variants:
            for button in variant.get("buttons") or []:
                payload = str(button["payload"])
                if not payload.startswith(("http://", "https://")):
                    found.setdefault(str(button["title"]), set()).add(
                        payload_intent(payload)
                    )
    return found


def _constant(node) -> str | None:
    value = node.value if isinstance(node, ast.Constant) else None
    return value if isinstance(value, str) else None


def _title(node) -> str | None:
    """A literal title, or the standard text of a template the actions fill
    with say("tpl_…") (issue 34: titles come in the citizen's language); a
    template with placeholders has no fixed title."""
    if (text := _constant(node)) is not None:
        return text
    if (
        isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "say"
        and node.args
        and (name := _constant(node.args[0])) in templates()
        and not placeholders(templates()[name].text)
    ):
        return templates()[name].text
    return None


def _sent_intent(node) -> str | None:
    """The intent of a payload expression: "/x{…}" or intent_payload("x", …)."""
    if (text := _constant(node)) is not None:
        return payload_intent(text)
    if (
        isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "intent_payload"
    ):
        return _constant(node.args[0]) if node.args else None
    return None


def action_buttons() -> dict[str, set[str]]:
    """Title -> intents of the buttons the actions build: literal titles in
    {"title": …, "payload": …} and choice_button("…", …), the form's change
    choices, 👍/👎 and "Weitere anzeigen"."""
    found: dict[str, set[str]] = {}
    for path in (PROJECT_ROOT / "actions" / "sdk").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                fields = {
                    _constant(key): value
                    for key, value in zip(node.keys, node.values, strict=True)
                    if key is not None
                }
                title = _title(fields["title"]) if "title" in fields else None
                if title is not None:
                    intent = _sent_intent(fields.get("payload"))
                    found.setdefault(title, set()).update({intent} if intent else set())
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "choice_button"
                and node.args
                and (title := _title(node.args[0])) is not None
            ):
                found.setdefault(title, set()).add("inform")
    for choice in CHANGE_CHOICES:
        title = templates()[f"tpl_button_{choice}"].text
        found.setdefault(title, set()).add("inform")
    for button in [*rating_buttons("x"), more_button()]:
        found.setdefault(button["title"], set()).add(payload_intent(button["payload"]))
    return found


def content_buttons() -> dict[str, set[str]]:
    topics = {t.name for t in load_topics(EXAMPLE_CONTENT)} | {OTHER_TOPIC}
    projects = {p.name for p in load_content(EXAMPLE_CONTENT).projects}
    return {
        **{name: {"ask_project_info"} for name in projects},
        **{name: {"inform"} for name in topics},
    }


def buttons() -> dict[str, set[str]]:
    """Every button title the assistant can show, with the intents it sends."""
    found: dict[str, set[str]] = {}
    for source in (domain_buttons(), action_buttons(), content_buttons()):
        for title, intents in source.items():
            found.setdefault(title, set()).update(intents)
    return found


def catalogue() -> list[str]:
    return sorted(buttons())


@dataclass
class Reply:
    texts: list[str]
    buttons: list[tuple[str, str]]  # (title, payload or the channel's own key)

    @property
    def titles(self) -> list[str]:
        return [title for title, _ in self.buttons]

    def comparable(self) -> tuple:
        """What a citizen sees, without references, counts and random ids."""
        text = "\n".join(self.texts)
        text = LINK_TOKEN.sub(r"\1TOKEN", html.unescape(text))
        text = NUMBER.sub("#", REFERENCE.sub("REF", text))
        return (" ".join(text.split()), tuple(self.titles))


class Driver:
    """A channel: new conversations, typed messages and button presses."""

    name: str
    new: Callable[[], Awaitable[str]]
    type: Callable[[str, str], Awaitable[Reply]]
    press: Callable[[str, str], Awaitable[Reply]]

    async def replay(self, way: list[Step]) -> tuple[str, Reply]:
        conversation = await self.new()
        reply = Reply([], [])
        for kind, value in way:
            act = self.type if kind == "type" else self.press
            reply = await act(conversation, value)
        return conversation, reply


@dataclass
class Outcome:
    way: list[Step]  # leads to a reply that offers the button
    pressed: tuple
    typed: tuple

    @property
    def same(self) -> bool:
        return self.pressed == self.typed


@dataclass
class Crawl:
    ways: dict[str, list[Step]] = field(default_factory=dict)
    pressed: set[tuple[str, str]] = field(default_factory=set)

    async def explore(self, driver: Driver, seeds: list[str | tuple[str, ...]]) -> None:
        """From each seed (a message, or messages typed in turn), every
        button pressed once, breadth first."""
        frontier: list[list[Step]] = [
            [("type", text) for text in ((seed,) if isinstance(seed, str) else seed)]
            for seed in seeds
        ]
        explored = 0
        while frontier and explored < MAX_STATES:
            way = frontier.pop(0)
            explored += 1
            _conversation, reply = await driver.replay(way)
            if len(way) >= MAX_DEPTH:
                continue
            for title, payload in reply.buttons:
                # The same title may do other things elsewhere ("Überspringen").
                key = (title, RANDOM_ID.sub("ID", payload))
                if key not in self.pressed:
                    self.pressed.add(key)
                    self.ways.setdefault(title, way)
                    frontier.append([*way, ("press", title)])
            text = "\n".join(reply.texts)
            for cue, answers in FREE_TEXT.items():
                if cue in text and not any(
                    s == ("type", a) for s in way for a in answers
                ):
                    frontier += [[*way, ("type", answer)] for answer in answers]


async def press_and_type(driver: Driver, way: list[Step], title: str) -> Outcome:
    """The same way twice: once the button is pressed, once its title typed."""
    pressing, _ = await driver.replay(way)
    pressed = await driver.press(pressing, title)
    typing, _ = await driver.replay(way)
    typed = await driver.type(typing, title)
    return Outcome(way, pressed.comparable(), typed.comparable())


def session_id() -> str:
    return uuid.uuid4().hex
