"""German and English dates and times with Microsoft Recognizers-Text, in
Duckling's shape.

Duckling cannot run here, so this component resolves "am Wochenende",
"übermorgen um 18 Uhr", "im Dezember" or "this weekend" on this machine. A
window of the message goes to the German recognizer when it has a German cue
for a date, to the English one when it has an English cue, or to both. It emits the entity
`time` the way Rasa's DucklingEntityExtractor does: an ISO-8601 string for a
point (with its grain in `additional_info`) or `{"from": ..., "to": ...}` for a
range, where `to` is exclusive. Ambiguous dates resolve to the future.

The recognizer sees short overlapping windows of the message, in a worker
process with a time budget (nlu/time_worker.py): no message can hold up Rasa.
"""

from __future__ import annotations

import atexit
import bisect
import logging
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.time_worker import RecognizerWorker

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]

ENTITY = "time"

# The recognizer costs ~10 ms per message, so it only runs on text with a cue
# for a date or time. tests/nlu checks that no text without a cue has one.
TIME_CUE = re.compile(
    r"\d|heute|morgen|gestern|jetzt|montag|dienstag|mittwoch|donnerstag|freitag"
    r"|samstag|sonnabend|sonntag|woche|monat|jahr|jänner|januar|februar|märz"
    r"|april|mai\b|juni|juli|august|sept|okt|nov|dez|abend|mittag|nacht|früh"
    r"|uhr|tag|stunde|minute|weihnacht|ostern|pfingst|silvester|neujahr"
    r"|advent|quartal|feiertag|ferien|wochenende|halb|viertel|neulich",
    re.IGNORECASE,
)
# English words for a date or time; German text almost never has them, so the
# German figures stay as they were (tests/nlu/test_time_extractor.py).
ENGLISH_TIME_CUE = re.compile(
    r"\b(?:today|tonight|tomorrow|yesterday|now|mon|tue|wed|thu|fri|sat|sun"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)days?|week|weeks|weekend|month"
    r"|months|year|january|february|march|april|may|june|july|august"
    r"|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?"
    r"|oct|nov|dec|morning|afternoon|evening|night|noon|midnight"
    r"|o'clock|christmas|easter|hours?|minutes?|days?|next|this|\d{1,2}(?:st|nd"
    r"|rd|th))\b|\d\s*(?:[ap]m|[ap]\.m\.)|\d{1,2}/\d{1,2}",
    re.IGNORECASE,
)
GERMAN, ENGLISH = "de", "en"
# Spans start at the time itself: "am [Wochenende]", "um [18 Uhr]", "on [Friday]".
LEADING_PREPOSITION = re.compile(
    r"^(?:am|im|um|ab|an|zum|on|at|by|for)\s+", re.IGNORECASE
)

RANGE_TYPES = {"daterange", "datetimerange", "timerange"}
POINT_TYPES = {"date", "datetime", "time"}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class GermanTimeExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts German time expressions as Duckling-shaped `time` entities."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            # Resolves "morgen" and "am Wochenende"; keep it equal to
            # SMARTCITY_TIMEZONE, which the actions use to show dates.
            "timezone": "Europe/Berlin",
            # The recognizer's cost explodes with the number of date phrases in
            # one text, so it sees windows of at most this many characters,
            # overlapping so that a phrase cut at one edge is whole in the next.
            "window_chars": 120,
            "window_overlap": 40,
            # Windows with a time cue looked at per message (about 640 characters).
            "max_windows": 8,
            # Wall-clock seconds per message; a message over it keeps no dates.
            "budget_seconds": 0.3,
        }

    @staticmethod
    def required_packages() -> list[str]:
        """Any extra python dependencies required for this component to run."""
        return ["ms_recognizers_date_time"]

    def __init__(self, config: dict[str, Any], clock: Clock | None = None) -> None:
        """Creates the extractor; `clock` gives the reference time in tests."""
        self.component_config = config
        name = config.get("timezone") or self.get_default_config()["timezone"]
        try:
            self.timezone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise InvalidConfigException(
                f"{self.__class__.__name__}: unknown time zone '{name}'."
            ) from error
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._config = {**self.get_default_config(), **config}
        self._worker = shared_worker()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GermanTimeExtractor:
        """Creates a new component (see parent class for full docstring)."""
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the `time` entities found in each message."""
        for message in messages:
            entities = self.extract(message.get(TEXT) or "", self._reference(message))
            entities = self.add_extractor_name(entities)
            message.set(
                ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True
            )
        return messages

    def extract(self, text: str, reference: datetime) -> list[dict[str, Any]]:
        """The time entities in `text`, resolved relative to `reference`."""
        return self.recognize(text, reference, cues=True)

    def recognize(
        self, text: str, reference: datetime, cues: bool = False
    ) -> list[dict[str, Any]]:
        """Like `extract`; without `cues` every window goes to both recognizers."""
        config = self._config
        chosen = []
        for offset, piece in windows(
            text, config["window_chars"], config["window_overlap"]
        ):
            cultures = recognizers_for(piece) if cues else (GERMAN, ENGLISH)
            if cultures:
                chosen.append((offset, piece, cultures))
        chosen = chosen[: config["max_windows"]]
        if not chosen:
            return []
        local = reference.astimezone(self.timezone)
        results = self._worker.parse(
            chosen, local.replace(tzinfo=None), config["budget_seconds"]
        )
        if results is None:
            logger.warning("Date recognition ran out of time; this message has none.")
            return []
        entities = []
        for result in _longest_first(results):
            end = result["end"] + 1  # the recognizer's end is inclusive
            if end < len(text) and text[end].isalnum():
                continue  # "eine Mail" is not "ein Mai"
            resolved = self._resolve(result["type_name"], result["resolution"], local)
            if resolved is None:
                continue
            value, info = resolved
            start, end = self._span(text, result["start"], end)
            entities.append(
                {
                    "entity": ENTITY,
                    "start": start,
                    "end": end,
                    "value": value,
                    "confidence": 1.0,
                    "additional_info": info,
                }
            )
        return sorted(entities, key=lambda entity: entity["start"])

    def _reference(self, message: Message) -> datetime:
        if message.time is not None:
            try:
                return datetime.fromtimestamp(float(message.time), timezone.utc)
            except (TypeError, ValueError, OverflowError, OSError):
                logger.debug("Ignoring unusable message time %r.", message.time)
        return self._clock()

    @staticmethod
    def _span(text: str, start: int, end: int) -> tuple[int, int]:
        leading = LEADING_PREPOSITION.match(text[start:end])
        if leading and start + leading.end() < end:
            start += leading.end()
        return start, end

    def _resolve(
        self, type_name: str, resolution: dict | None, now: datetime
    ) -> tuple[Any, dict[str, Any]] | None:
        kind = type_name.rsplit(".", 1)[-1]
        candidates = [
            value
            for value in (resolution or {}).get("values") or []
            if value.get("timex") != "PRESENT_REF"  # "gerade", "aktuell": no filter
        ]
        try:
            if kind in RANGE_TYPES:
                return self._range(candidates, now)
            if kind in POINT_TYPES:
                return self._point(candidates, now)
        except (KeyError, TypeError, ValueError):
            logger.debug("Unusable resolution %r", resolution)
        return None  # durations and sets ("jeden Montag") are not points in time

    def _point(
        self, candidates: list[dict], now: datetime
    ) -> tuple[str, dict[str, Any]] | None:
        options = []
        for candidate in candidates:
            if candidate.get("type") == "time":
                moment = datetime.combine(
                    now.date(), time.fromisoformat(candidate["value"]), self.timezone
                )
                if moment < now:
                    moment += timedelta(days=1)
            else:
                moment = self._localize(datetime.fromisoformat(candidate["value"]))
            options.append((moment, _grain(candidate)))
        chosen = _first_future(options, now)
        if chosen is None:
            return None
        moment, grain = chosen
        return _iso(moment), {"type": "value", "grain": grain, "value": _iso(moment)}

    def _range(
        self, candidates: list[dict], now: datetime
    ) -> tuple[dict[str, str], dict[str, Any]] | None:
        options = []
        for candidate in candidates:
            start = self._moment(candidate.get("start"), now.date())
            end = self._moment(candidate.get("end"), now.date())
            if start is None or end is None or end <= start:
                continue
            if str(candidate.get("timex", "")).endswith("TEV"):
                # Recognizers end "Abend" at 20:00; in everyday German it lasts
                # until midnight, and "heute Abend" at 21:00 still means tonight.
                midnight = datetime.combine(
                    start.date() + timedelta(days=1), time(), self.timezone
                )
                end = max(end, midnight)
            options.append(((start, end), _grain(candidate)))
        # A range that has begun but not ended ("diese Woche") is still current.
        current = [(span, grain) for span, grain in options if span[1] > now]
        if not current:
            return None
        (start, end), grain = current[0]
        value = {"from": _iso(start), "to": _iso(end)}
        return value, {"type": "interval", "grain": grain, **value}

    def _moment(self, raw: str | None, day: date) -> datetime | None:
        if not raw:
            return None
        if len(raw) <= 8 and ":" in raw:  # a bare time of day
            return datetime.combine(day, time.fromisoformat(raw), self.timezone)
        return self._localize(datetime.fromisoformat(raw))

    def _localize(self, moment: datetime) -> datetime:
        return moment.replace(tzinfo=self.timezone)


@lru_cache(maxsize=1)
def shared_worker() -> RecognizerWorker:
    """One worker process per Python process, started when first needed."""
    worker = RecognizerWorker()
    worker.start()
    atexit.register(worker.close)
    return worker


def recognizers_for(piece: str) -> tuple[str, ...]:
    """The recognizers a window goes to: those whose cue for a date it has."""
    return tuple(
        culture
        for culture, cue in ((GERMAN, TIME_CUE), (ENGLISH, ENGLISH_TIME_CUE))
        if cue.search(piece)
    )


def windows(text: str, size: int, overlap: int) -> list[tuple[int, str]]:
    """Cover `text` with windows of at most `size` characters, cut between words.

    Each window starts `overlap` characters (or more) before the previous one
    ended, so a phrase of up to `overlap` characters is whole in one of them.
    """
    spaces = [match.start() for match in re.finditer(r"\s", text)]
    found, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = bisect.bisect_right(spaces, end) - 1
            if cut >= 0 and spaces[cut] > start:
                end = spaces[cut]  # a word longer than the window is cut hard
        found.append((start, text[start:end]))
        if end >= len(text):
            break
        following = bisect.bisect_left(spaces, max(start + 1, end - overlap))
        start = spaces[following] + 1 if following < len(spaces) else end
        start = min(start, end)
    return found


def _longest_first(results: list[dict]) -> list[dict]:
    """The longest of overlapping results, as one window may see a phrase cut short."""
    kept: list[dict] = []
    for result in sorted(results, key=lambda r: (r["start"] - r["end"], r["start"])):
        if all(
            result["end"] < other["start"] or result["start"] > other["end"]
            for other in kept
        ):
            kept.append(result)
    return sorted(kept, key=lambda result: result["start"])


def _first_future(options: list, now: datetime) -> tuple | None:
    """The first option not in the past; a day counts until it is over."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for moment, grain in options:
        if moment >= (today if grain == "day" else now):
            return moment, grain
    return None


def _grain(candidate: dict[str, Any]) -> str:
    timex = candidate.get("timex", "")
    if re.search(r"T\d\d:\d\d", timex):
        return "minute"
    if "T" in timex:  # "T18" or a part of the day ("TEV" is the evening)
        return "hour"
    if re.search(r"^[X\d]{4}-W[X\d]{2}$", timex):
        return "week"
    if re.search(r"^[X\d]{4}-\d\d$", timex):
        return "month"
    if re.search(r"^[X\d]{4}$", timex):
        return "year"
    return "day"


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")
