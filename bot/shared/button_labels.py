"""A typed button label counts as pressing the button.

Many citizens type "Absenden" instead of tapping it, on a phone and on
Telegram alike. The gateway remembers the buttons of the last reply per
conversation; a message that reads like one of their titles (case, spaces,
punctuation, umlaut spelling and a small typo aside) is sent as its payload.
Buttons of older replies do not count: each reply replaces them.
"""

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

from rapidfuzz.distance import Levenshtein

logger = logging.getLogger(__name__)

# What one conversation keeps, and for how long: a reply has a dozen buttons
# at most (topics), and a label typed after a week is no longer an answer.
MAX_BUTTONS = 30
MAX_TITLE = 200
MAX_PAYLOAD = 2000
# All of a conversation's buttons together: 20,000 conversations stay within
# 80 MB of memory, whatever the buttons are (a topic list needs about 1 kB).
MAX_CHARS = 4000
KEEP_SECONDS = 7 * 24 * 3600
# A typed message longer than this is never a label (and costs no matching).
MAX_TYPED = 120

UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
NOT_A_WORD = re.compile(r"[^\w]+|_")
# Politeness around a label: "Absenden, bitte", "gern absenden".
FILLERS = {"bitte", "gerne", "gern", "danke"}


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


def normalized(text: str) -> str:
    """Lower case, words only: emoji, quotes and punctuation go, umlauts are spelt out."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(UMLAUTS)
    return " ".join(NOT_A_WORD.sub(" ", text).split())


def without_fillers(text: str) -> str:
    words = text.split()
    while words and words[0] in FILLERS:
        words.pop(0)
    while words and words[-1] in FILLERS:
        words.pop()
    return " ".join(words)


def allowed_typos(title: str) -> int:
    """Short labels must be typed exactly: "Ja" and "Nein" are one letter apart
    from other words; longer ones may have one or two slips."""
    if len(title) < 6:
        return 0
    return 1 if len(title) < 12 else 2


def pressed(text: str, buttons: list[Button]) -> Button | None:
    """The button whose title the citizen typed, if exactly one fits."""
    if len(text) > MAX_TYPED:
        return None
    typed = normalized(text)
    if not typed:
        return None
    candidates = {typed, without_fillers(typed)} - {""}
    titled = [(normalized(b.title), b) for b in buttons]
    exact = {b for title, b in titled if title in candidates}
    if exact:
        return exact.pop() if len(exact) == 1 else None
    best: dict[int, set[Button]] = {}
    for title, button in titled:
        budget = allowed_typos(title)
        if not budget:
            continue
        distance = min(
            Levenshtein.distance(title, typed_form, score_cutoff=budget)
            for typed_form in candidates
        )
        if distance <= budget:
            best.setdefault(distance, set()).add(button)
    if not best:
        return None
    closest = best[min(best)]
    return next(iter(closest)) if len(closest) == 1 else None


def offered_buttons(replies: list[dict[str, Any]]) -> list[Button]:
    """The buttons of a turn's replies that send a payload (no web links)."""
    found: list[Button] = []
    chars = 0
    for reply in replies:
        for button in reply.get("buttons") or []:
            if not isinstance(button, dict):
                continue
            title = str(button.get("title") or "").strip()
            payload = str(button.get("payload") or "").strip()
            if (
                title
                and payload
                and len(title) <= MAX_TITLE
                and len(payload) <= MAX_PAYLOAD
                and not payload.startswith(("http://", "https://"))
            ):
                chars += len(title) + len(payload)
                if chars > MAX_CHARS or len(found) == MAX_BUTTONS:
                    return found
                found.append(Button(title, payload))
    return found


class ButtonMemory(Protocol):
    async def remember(self, sender: str, buttons: list[Button]) -> None:
        ...

    async def recall(self, sender: str) -> list[Button]:
        ...


class LocalButtonMemory:
    """The last buttons per conversation in this process; the least recently
    used conversations go beyond `capacity` (about 3 kB each at most)."""

    def __init__(self, capacity: int = 20_000, keep_seconds: float = KEEP_SECONDS):
        self._capacity = capacity
        self._keep = keep_seconds
        self._buttons: OrderedDict[str, tuple[float, list[Button]]] = OrderedDict()

    async def remember(self, sender: str, buttons: list[Button]) -> None:
        self._buttons.pop(sender, None)
        if not buttons:
            return
        self._buttons[sender] = (time.monotonic(), buttons[:MAX_BUTTONS])
        while len(self._buttons) > self._capacity:
            self._buttons.popitem(last=False)

    async def recall(self, sender: str) -> list[Button]:
        stamp, buttons = self._buttons.get(sender, (0.0, []))
        return buttons if time.monotonic() - stamp <= self._keep else []


def encode(buttons: list[Button]) -> str:
    return json.dumps([[b.title, b.payload] for b in buttons], ensure_ascii=False)


def decode(stored: str | None) -> list[Button]:
    """Buttons from Redis; anything unreadable counts as none."""
    try:
        rows = json.loads(stored) if stored else []
        return [
            Button(title, payload)
            for title, payload in rows[:MAX_BUTTONS]
            if isinstance(title, str) and isinstance(payload, str)
        ]
    except (ValueError, TypeError):
        logger.warning("unreadable offered buttons in Redis; ignored")
        return []
