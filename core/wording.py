"""Fills the templates of computed answers in one language.

The actions fill them where the data is (actions/sdk/wording.py), the data
layer fills its messages to citizens (a suggestion's news) the same way: the
shipped texts of data/responses with the edits staff made laid over them.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from core.content import ContentError, load_content, load_topics
from core.english import english_day, english_span
from core.german import format_plain_span, format_span, plain_day
from core.protocol import ENGLISH
from core.responses import LEICHT, STANDARD, placeholders, templates, variant_texts
from core.settings import get_settings

logger = logging.getLogger(__name__)

# A placeholder is a bare name: no format specs, no attribute access.
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@lru_cache(maxsize=4)
def _english_names(content_dir: str) -> dict[str, str]:
    try:
        topics = load_topics(Path(content_dir))
        statuses = load_content(Path(content_dir)).statuses
    except ContentError:
        logger.warning("English names of topics and stages unavailable")
        return {}
    return {item.name: item.en.name for item in [*topics, *statuses] if item.en}


def english_names() -> dict[str, str]:
    """German name -> English name of the topics and project stages."""
    return _english_names(str(get_settings().content_dir))


class Wording:
    """Fills the templates of one language; `plain` says whether it is
    Leichte Sprache, for what code words itself (dates, lists)."""

    def __init__(self, variant: str, edits: dict[tuple[str, str], str]) -> None:
        self.variant = variant
        self.plain = variant == LEICHT
        self.english = variant == ENGLISH
        self._edits = edits
        # Set when an English answer had to show a text the city wrote only
        # in German: the answer then says so (tpl_only_in_german).
        self.german_only = False

    def template(self, name: str) -> str:
        shipped = templates()[name].text
        standard = self._usable(self._edits.get((name, STANDARD)), shipped)
        if self.variant == STANDARD:
            return standard
        shipped_variant = variant_texts(self.variant).get(name) or standard
        return self._usable(self._edits.get((name, self.variant)), shipped_variant)

    def text(self, german: str | None, english: str | None) -> str | None:
        """A text the city wrote (a project's summary, an event's title): in
        English where it wrote one and the conversation is English."""
        if self.english and english:
            return english
        if self.english and german:
            self.german_only = True
        return german

    def name(self, german: str) -> str:
        """A topic's or a project stage's name in this language."""
        if not self.english:
            return german
        return english_names().get(german, german)

    def state(self, key: str) -> str:
        """A suggestion's state ("in_pruefung") as the citizen reads it."""
        name = f"tpl_state_{key}"
        return self(name) if name in templates() else key

    def noted(self, answer: str) -> str:
        """The answer, and a sentence if part of it exists only in German."""
        if not self.german_only:
            return answer
        return f"{answer}\n{self('tpl_only_in_german')}"

    def day(self, moment: datetime) -> str:
        """A day on its own: '07.12.2026', 'Montag, 7. Dezember 2026',
        'Monday, December 7, 2026'."""
        if self.plain:
            return plain_day(moment)
        if self.english:
            return english_day(moment)
        return f"{moment:%d.%m.%Y}"

    def span(self, start: datetime, end: datetime | None, tz: ZoneInfo) -> str:
        """When an event takes place, in this language."""
        if self.plain:
            return format_plain_span(start, end, tz)
        if self.english:
            return english_span(start, end, tz)
        return format_span(start, end, tz)

    @staticmethod
    def _usable(edited: str | None, shipped: str) -> str:
        # An edit keeps the shipped placeholders (core.responses.problems_of);
        # a row changed past that rule is not shown half-filled.
        if edited and edited.strip() and placeholders(edited) == placeholders(shipped):
            return edited
        return shipped

    def __call__(self, template: str, /, **values: object) -> str:
        """The template filled with `values`; a line whose placeholders are
        all None is left out (a project without a contact has no such line)."""

        def fill(match: re.Match) -> str:
            key = match.group(1)
            if key not in values:
                return match.group(0)
            return "" if values[key] is None else str(values[key])

        lines = []
        for line in self.template(template).split("\n"):
            keys = PLACEHOLDER.findall(line)
            if keys and all(values.get(k) is None for k in keys):
                continue
            lines.append(PLACEHOLDER.sub(fill, line))
        return "\n".join(lines).strip()
