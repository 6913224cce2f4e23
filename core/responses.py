"""The assistant's fixed answers as domain.yml ships them, and the rules a
staff edit of one must keep. No database here: actions/db/responses.py keeps
the edits, bot/plugins/nlg.py lays them over the domain's texts in Rasa.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from core.protocol import ENGLISH, LEICHTE_SPRACHE
from core.settings import PROJECT_ROOT

DOMAIN = PROJECT_ROOT / "domain.yml"
LEICHTE_SPRACHE_TEXTS = PROJECT_ROOT / "data" / "responses" / "leichte-sprache.yml"
ENGLISH_TEXTS = PROJECT_ROOT / "data" / "responses" / "english.yml"
# The templates of computed answers (a project card, an event line): the
# actions fill them (actions/sdk/wording.py); staff edit them like the others.
TEMPLATES = PROJECT_ROOT / "data" / "responses" / "templates.yml"
TEMPLATE_PREFIX = "tpl_"
STANDARD, LEICHT = "standard", LEICHTE_SPRACHE
VARIANTS = {STANDARD: "Standard", LEICHT: "Leichte Sprache", ENGLISH: "English"}
# Each variant's shipped texts, by response name, besides domain.yml's.
VARIANT_FILES = {LEICHT: LEICHTE_SPRACHE_TEXTS, ENGLISH: ENGLISH_TEXTS}
# Said in Leichter Sprache after a standard text that has no variant yet.
NOT_YET_LEICHT = (
    "Diesen Text gibt es noch nicht in Leichter Sprache.\n"
    "Sie können nach dem Kontakt fragen.\n"
    "Dann hilft Ihnen ein Mensch aus dem Team."
)
NOT_YET = {
    LEICHT: NOT_YET_LEICHT,
    ENGLISH: "(This answer is only available in German so far.)",
}
MAX_TEXT = 3500  # Telegram allows 4096 after the placeholders are filled

# Markup that neither channel renders: HTML tags, Markdown emphasis and links.
MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|\*\*|__|\[[^\]]*\]\([^)]*\)|^#+\s", re.M)


@dataclass(frozen=True)
class DomainResponse:
    name: str
    text: str
    buttons: tuple[str, ...]  # their titles, for the preview


@lru_cache(maxsize=4)
def domain_responses(path: Path = DOMAIN) -> dict[str, DomainResponse]:
    """Each response of the domain with a text, by name (its first variation:
    this domain has one per response)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = {}
    for name, variations in (data.get("responses") or {}).items():
        first = variations[0] if variations else {}
        if isinstance(first, dict) and isinstance(first.get("text"), str):
            titles = tuple(b.get("title", "") for b in first.get("buttons") or [])
            found[name] = DomainResponse(name, first["text"], titles)
    return found


@lru_cache(maxsize=4)
def templates(path: Path = TEMPLATES) -> dict[str, DomainResponse]:
    """The standard text of each template of a computed answer, by name."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        name: DomainResponse(name, text, ())
        for name, text in (data.get("templates") or {}).items()
        if name.startswith(TEMPLATE_PREFIX) and isinstance(text, str)
    }


def all_answers() -> dict[str, DomainResponse]:
    """What staff can edit: the domain's responses and the templates."""
    return {**domain_responses(), **templates()}


@dataclass(frozen=True)
class VariantText:
    text: str
    buttons: tuple[
        str, ...
    ]  # titles in the order of the domain's buttons; () keeps them


@lru_cache(maxsize=8)
def variant_entries(variant: str) -> dict[str, VariantText]:
    """A variant's text of each response that has one, by name: a plain text,
    or `{text, buttons}` where the buttons' titles change too (English)."""
    path = VARIANT_FILES[variant]
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = {}
    for name, entry in (data.get("responses") or {}).items():
        if isinstance(entry, str):
            entry = {"text": entry}
        text = entry.get("text") if isinstance(entry, dict) else None
        if isinstance(text, str) and text.strip():
            titles = tuple(str(title) for title in entry.get("buttons") or ())
            found[name] = VariantText(text, titles)
    return found


def variant_texts(variant: str) -> dict[str, str]:
    """A variant's text of each response that has one, by name."""
    return {name: entry.text for name, entry in variant_entries(variant).items()}


def leicht_texts() -> dict[str, str]:
    """The Leichte-Sprache text of each response that has one, by name."""
    return variant_texts(LEICHT)


@lru_cache(maxsize=4)
def leicht_names(path: Path = LEICHTE_SPRACHE_TEXTS) -> frozenset[str]:
    """Names the Leichte-Sprache texts use without explaining them."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return frozenset(str(name) for name in data.get("names") or [])


def shipped_texts() -> list[tuple[str, str, str]]:
    """(name, variant, text) of every answer a release ships."""
    known = all_answers()
    shipped = [(a.name, STANDARD, a.text) for a in known.values()]
    for variant in VARIANT_FILES:
        shipped += [
            (name, variant, text)
            for name, text in variant_texts(variant).items()
            if name in known
        ]
    return shipped


def placeholders(text: str) -> set[str]:
    """The slots and values Rasa fills in: {reference}, {count}, ..."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field}
    except ValueError:  # an unmatched brace: Rasa would show it as it is
        return set()


def problems_of(text: str, default_text: str) -> list[str]:
    """Why an edited text cannot replace `default_text`, in German for staff."""
    problems = []
    if not text.strip():
        problems.append("Der Text ist leer.")
    if len(text) > MAX_TEXT:
        problems.append(
            f"Der Text ist {len(text)} Zeichen lang; erlaubt sind {MAX_TEXT}."
        )
    if MARKUP.search(text):
        problems.append(
            "Bitte ohne Auszeichnungen (HTML, ** oder [Text](Link)):"
            " Widget und Telegram zeigen den Text so, wie er ist."
        )
    needed, used = placeholders(default_text), placeholders(text)
    if "{" in text.replace("{{", "") and not used and not needed:
        problems.append("Geschweifte Klammern { } sind für Platzhalter reserviert.")
    for name in sorted(needed - used):
        problems.append(f"Der Platzhalter {{{name}}} fehlt.")
    for name in sorted(used - needed):
        problems.append(f"Den Platzhalter {{{name}}} kennt diese Antwort nicht.")
    return problems


# Where staff find an answer: the kind of thing that names it, by file.
USAGE_ROOTS = (("data", "*.yml"), ("actions", "*.py"))


@lru_cache(maxsize=1)
def usages() -> dict[str, tuple[str, ...]]:
    """For each response name, the project files that use it (rules, stories,
    NLU data of an FAQ, actions), as paths from the project root."""
    names = all_answers()
    found: dict[str, list[str]] = {name: [] for name in names}
    for folder, pattern in USAGE_ROOTS:
        for path in sorted((PROJECT_ROOT / folder).rglob(pattern)):
            if path.is_relative_to(LEICHTE_SPRACHE_TEXTS.parent):
                continue  # the answers' other variant, no use of them
            text = path.read_text(encoding="utf-8")
            where = str(path.relative_to(PROJECT_ROOT))
            for name in names:
                faq = name.removeprefix("utter_")
                if re.search(rf"\b{re.escape(name)}\b", text) or (
                    name.startswith("utter_faq/") and f"intent: {faq}" in text
                ):
                    found[name].append(where)
    return {name: tuple(places) for name, places in found.items()}


GROUPS = (
    ("utter_faq/", "Häufige Fragen"),
    ("callback", "Rückruf und Nachricht an das Team"),
    ("live", "Live-Chat"),
    ("rating", "Bewertungen"),
    ("support", "Ideen unterstützen"),
    ("delet", "Daten löschen"),
    ("clear", "Daten löschen"),
    ("suggestion", "Vorschläge"),
    ("summary", "Vorschläge"),
    ("location", "Vorschläge"),
    ("photo", "Vorschläge"),
    ("idea", "Vorschläge"),
    ("discard", "Vorschläge"),
    ("project", "Projekte und Termine"),
    ("event", "Projekte und Termine"),
    ("period", "Projekte und Termine"),
    ("list", "Projekte und Termine"),
)
OTHER_GROUP = "Gespräch"


def group_of(name: str) -> str:
    for part, group in GROUPS:
        if part in name:
            return group
    return OTHER_GROUP
