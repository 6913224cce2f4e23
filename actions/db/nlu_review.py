"""The loop that learns: messages the assistant missed in a week (and questions
whose answer got a 👎), grouped by similar wording, and the staff's decision
what each should have been.

Messages are read from Rasa's tracker store, so "Meine Daten löschen" and the
retention purge take them away. A decision keeps only the wording (no sender)
until the maintainer exports it as NLU training data.

Anyone can write these messages, so every step is bounded (issue 30): the
newest SCAN_LIMIT per week are read, the MAX_WORDINGS most frequent wordings
are grouped, comparing CHUNK of them at a time with the groups so far, and a
week's grouping is computed once for as long as its messages stay the same.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import yaml
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import JSON, cast, delete, func, select, type_coerce
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from actions.db import conversations, ratings
from actions.db.audit import record
from actions.db.models import NluReview
from actions.db.similar import stems

# What the assistant did with a message it missed, by its next action.
MISSED_KINDS = {
    "action_fallback": "nicht verstanden",
    "utter_fallback": "nicht verstanden",
    "action_default_fallback": "Ausweichantwort",
    "action_out_of_scope": "außerhalb des Themas",
    "utter_out_of_scope": "außerhalb des Themas",  # conversations before issue 31.8
}
OUT_OF_SCOPE = "out_of_scope"
# Intents a citizen never types: buttons, shared places and photos.
NOT_TYPED = frozenset(
    {"nlu_fallback", "attach_photo", "share_location", "inform", "support_suggestion"}
)
GROUP_THRESHOLD = 0.55
SCAN_LIMIT = 50_000  # missed messages, and 👎 questions, read per week: the newest
MAX_WORDINGS = 1_000  # distinct wordings grouped and shown: the most frequent
SHOWN_VARIANTS = 20  # per group; only what the page shows can be assigned
CHUNK = 256  # wordings compared with the groups at a time
MAX_TEXT = 200
KEPT_CHARS = 300  # of a message: more than text_key() and shown() use
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


class ReviewError(ValueError):
    """The decision cannot be stored; the message says why, in German."""


@dataclass(frozen=True)
class Missed:
    text: str
    kind: str
    at: float  # Unix time, as Rasa stores it
    note: str | None = None  # after a 👎: what the citizen missed


@dataclass
class Group:
    """Messages of one wording and its close variants, most frequent first."""

    texts: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.texts.most_common(1)[0][0]

    @property
    def count(self) -> int:
        return sum(self.texts.values())

    @property
    def variants(self) -> list[str]:
        return [text for text, _ in self.texts.most_common()][1:]

    @property
    def shown_variants(self) -> list[str]:
        return self.variants[:SHOWN_VARIANTS]


@dataclass(frozen=True)
class Review:
    """A week's groups and what the caps left out of them."""

    groups: list[Group]
    left_out: int = 0  # distinct wordings beyond MAX_WORDINGS
    left_out_messages: int = 0

    def offered(self) -> dict[str, str]:
        """What the page shows for assignment: text key -> wording as shown."""
        return {
            text_key(text): text
            for g in self.groups
            for text in (g.text, *g.shown_variants)
        }


def text_key(text: str) -> str:
    """One wording: case, spacing and trailing punctuation do not count."""
    # rstrip, not a regex: "[\s?!.]+$" took quadratic time on "? ? ? … x".
    return " ".join(text.split()).rstrip(" ?!.").casefold()[:255]


def shown(text: str) -> str:
    return " ".join(text.split())[:MAX_TEXT]


def _bounded(text) -> str:
    return " ".join(str(text or "").split())[:KEPT_CHARS]


def _missed_statement(since: float, until: float | None, backend: str):
    """The newest SCAN_LIMIT user messages whose next action (action_listen
    aside) is a fallback. The database pairs them, so neither other
    conversation nor the order of sender ids uses up the limit."""
    events = conversations.TRACKER_EVENTS.c
    answered = (events.type_name == "user") | (
        (events.type_name == "action") & (events.action_name != "action_listen")
    )
    turns = select(
        events.id,
        events.type_name,
        func.lead(events.action_name)
        .over(partition_by=events.sender_id, order_by=events.id)
        .label("answer"),
    ).where(answered, events.timestamp >= since)
    if until is not None:
        turns = turns.where(events.timestamp < until)
    turns = turns.subquery()
    newest = (
        select(turns.c.id, turns.c.answer)
        .where(turns.c.type_name == "user", turns.c.answer.in_(list(MISSED_KINDS)))
        .order_by(turns.c.id.desc())
        .limit(SCAN_LIMIT)
        .subquery()
    )
    # Texts are joined in after the limit, read out of the JSON and cut to
    # KEPT_CHARS by the database: parsing every event in Python took most of
    # the time, and 50,000 messages of 2,000 emoji would take 400 MB.
    stored = conversations.TRACKER_EVENTS.alias("stored")
    as_json = type_coerce if backend == "sqlite" else cast  # SQLite has no JSON type
    text = as_json(stored.c.data, JSON)["text"].as_string()
    return select(
        func.substr(text, 1, KEPT_CHARS), newest.c.answer, stored.c.timestamp
    ).join(newest, newest.c.id == stored.c.id)


def missed(url: str, since: float, until: float | None = None) -> list[Missed] | None:
    """Typed messages the assistant answered with a fallback, oldest first: the
    newest SCAN_LIMIT of them.

    None when the tracker store cannot be read; [] when there is none yet.
    """
    if not conversations.exists(url):
        return []
    backend = make_url(url).get_backend_name()
    rows = conversations.read(url, _missed_statement(since, until, backend))
    if rows is None:
        return None
    found: list[Missed] = []
    for raw, answer, moment in rows:
        text = _bounded(raw)
        # Button payloads are not words of a citizen.
        if text and not text.startswith("/"):
            found.append(Missed(text, MISSED_KINDS[answer], moment))
    return sorted(found, key=lambda m: m.at)


def rated_down(session: Session, since: float, until: float) -> list[Missed]:
    """Questions whose answer got a 👎 in [since, until), with what was
    missing: the newest SCAN_LIMIT."""
    rows = ratings.down_rated(
        session,
        datetime.fromtimestamp(since, timezone.utc),
        datetime.fromtimestamp(until, timezone.utc),
        limit=SCAN_LIMIT,
    )
    return [
        Missed(row.question, f"👎 bei {ratings.answer_name(row.response)}", row.created_at.timestamp(),
               row.comment)
        for row in rows
    ]  # fmt: skip


def week_bounds(week: date, tz: ZoneInfo) -> tuple[float, float]:
    """Unix times of Monday 00:00 and the next Monday in the city's time zone."""
    monday = week - timedelta(days=week.weekday())
    start = datetime.combine(monday, datetime.min.time(), tz)
    return start.timestamp(), (start + timedelta(weeks=1)).timestamp()


def _first_at_threshold(similarities, rows: int) -> np.ndarray:
    """Per row, the first column whose similarity reaches GROUP_THRESHOLD; -1
    if none does."""
    hits = similarities.tocoo()
    close = hits.data >= GROUP_THRESHOLD
    first = np.full(rows, np.iinfo(np.int64).max)
    np.minimum.at(first, hits.row[close], hits.col[close].astype(np.int64))
    first[first == np.iinfo(np.int64).max] = -1
    return first


def _leaders(matrix: csr_matrix) -> list[int]:
    """Greedy: each row joins the first leader (the lowest row that leads)
    with a cosine of at least GROUP_THRESHOLD, or leads itself. Only leaders
    count, so CHUNK rows at a time are compared with the leaders so far and
    with each other, never all rows with all rows."""
    leader_of: list[int] = []
    leaders: list[int] = []
    for start in range(0, matrix.shape[0], CHUNK):
        block = matrix[start : start + CHUNK]
        earlier = (
            _first_at_threshold(block @ matrix[leaders].T, block.shape[0])
            if leaders
            else np.full(block.shape[0], -1)
        )
        within = (block @ block.T).toarray()
        in_block: list[int] = []  # positions in the block that lead
        for position in range(block.shape[0]):
            if earlier[position] >= 0:
                leader_of.append(leaders[earlier[position]])
                continue
            close = [p for p in in_block if within[position, p] >= GROUP_THRESHOLD]
            if close:
                leader_of.append(start + close[0])
            else:
                in_block.append(position)
                leader_of.append(start + position)
        leaders += [start + p for p in in_block]
    return leader_of


def grouped(messages: list[Missed]) -> list[Group]:
    """Greedy grouping: each wording joins the group of the first (more
    frequent) wording whose TF-IDF cosine of stemmed character n-grams is at
    least GROUP_THRESHOLD."""
    keyed = [(text_key(m.text), m) for m in messages]
    counts = Counter(key for key, _ in keyed)
    if not counts:
        return []
    shown_as = {key: shown(m.text) for key, m in reversed(keyed)}
    kinds: dict[str, Counter] = {}
    notes: dict[str, list[str]] = {}
    for key, m in keyed:
        kinds.setdefault(key, Counter())[m.kind] += 1
        if m.note:
            notes.setdefault(key, []).append(shown(m.note))
    keys = [key for key, _ in counts.most_common()]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5),
                                 sublinear_tf=True)  # fmt: skip
    matrix = vectorizer.fit_transform([stems(key) or key for key in keys])
    groups: dict[int, Group] = {}
    for key, leader in zip(keys, _leaders(matrix), strict=True):
        home = groups.setdefault(leader, Group())
        home.texts[shown_as[key]] += counts[key]
        home.kinds.update(kinds[key])
        home.notes += notes.get(key, [])
    return sorted(groups.values(), key=lambda g: (-g.count, g.text.casefold()))


def review(messages: list[Missed]) -> Review:
    """The groups of the MAX_WORDINGS most frequent wordings (the first seen
    first among equals), and how much was left out."""
    keys = [text_key(m.text) for m in messages]
    counts = Counter(keys)
    kept = {key for key, _ in counts.most_common(MAX_WORDINGS)}
    chosen = [m for m, key in zip(messages, keys, strict=True) if key in kept]
    return Review(
        grouped(chosen),
        left_out=len(counts) - len(kept),
        left_out_messages=len(messages) - len(chosen),
    )


class ReviewCache:
    """The last weeks' reviews by a digest of their messages: a reload or a
    decision does not group again; a new or an erased message does. One
    grouping at a time, so that ten open tabs cost one."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._reviews: OrderedDict[int, Review] = OrderedDict()
        self._lock = threading.Lock()

    def review(self, messages: list[Missed]) -> Review:
        digest = hash(tuple(messages))  # text, kind, time and note of each
        with self._lock:
            found = self._reviews.get(digest)
            if found is None:
                found = self._reviews[digest] = review(messages)
                if len(self._reviews) > self.size:
                    self._reviews.popitem(last=False)
            self._reviews.move_to_end(digest)
            return found


REVIEWS = ReviewCache()


def targets(domain_path: Path) -> list[str]:
    """What a message can be assigned to: the domain's intents a citizen types
    and each FAQ answer as `faq/<key>`; out_of_scope last."""
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8")) or {}
    intents = [
        name if isinstance(name, str) else next(iter(name))
        for name in domain.get("intents", [])
    ]
    faq = sorted(
        "faq/" + name.split("/", 1)[1]
        for name in domain.get("responses", {})
        if name.startswith("utter_faq/")
    )
    typed = [i for i in intents if i not in NOT_TYPED | {"faq", OUT_OF_SCOPE}]
    return [*typed, *faq, OUT_OF_SCOPE]


def decisions(session: Session, keys: list[str] | None = None) -> dict[str, str]:
    """Intent decided per text key (all decisions without `keys`)."""
    query = select(NluReview.text_key, NluReview.intent)
    if keys is not None:
        query = query.where(NluReview.text_key.in_(keys[:1000]))
    return dict(session.execute(query).all())


def decide(
    session: Session,
    texts: list[str],
    intent: str | None,
    *,
    offered: Mapping[str, str],
    allowed: list[str],
    actor: str,
) -> tuple[int, int]:
    """Assign the wordings of a group to `intent`, or clear them (None).

    Only wordings the page offered count, as the page showed them: a forged
    or stale form (a message erased meanwhile) brings no other text into the
    training data. Returns (wordings decided, wordings refused).
    """
    if intent is not None and intent not in allowed:
        raise ReviewError("Bitte wählen Sie eine Absicht aus der Liste.")
    sent = {text_key(t) for t in texts if text_key(t)}
    if not sent:
        raise ReviewError("Die Nachricht fehlt.")
    wordings = {key: offered[key] for key in sent if key in offered}
    if not wordings:
        raise ReviewError(
            "Diese Nachrichten stehen nicht mehr in der Liste. "
            "Bitte laden Sie die Seite neu."
        )
    existing = {
        row.text_key: row
        for row in session.scalars(
            select(NluReview).where(NluReview.text_key.in_(list(wordings)))
        )
    }
    if intent is None:
        session.execute(delete(NluReview).where(NluReview.text_key.in_(list(wordings))))
    for key, text in wordings.items():
        if intent is None:
            continue
        row = existing.get(key)
        if row is None:
            session.add(NluReview(text_key=key, text=text, intent=intent,
                                  decided_by=actor))  # fmt: skip
        else:
            row.intent, row.decided_by = intent, actor
    first = next(iter(wordings.values()))
    record(session, actor, "nlu_reviewed", "message", first[:40], None,
           {"intent": intent, "texts": len(wordings)})  # fmt: skip
    return len(wordings), len(sent) - len(wordings)


def purge_decided_before(session: Session, before: datetime) -> int:
    """Retention: a decision keeps a citizen's wording; after the retention
    period it goes (export it as training data before)."""
    return session.execute(
        delete(NluReview).where(NluReview.decided_at < before)
    ).rowcount


def training_examples(data_dir: Path, skip: Path | None = None) -> set[str]:
    """Text keys of the examples already in the NLU training files."""
    keys: set[str] = set()
    for path in sorted(data_dir.glob("*.yml")):
        if skip is not None and path.resolve() == skip.resolve():
            continue
        blocks = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu")
        for block in blocks or []:
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    plain = ANNOTATION.sub(r"\1", line.strip()[2:])
                    keys.add(text_key(plain))
    keys.discard("")
    return keys


# What YAML may hold (YAML 1.1 §5.1): no C0 or C1 controls but tab, no
# surrogates, no U+FFFE/U+FFFF. A citizen can type all of them.
NOT_YAML = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"
)


def yaml_printable(text: str) -> str:
    return NOT_YAML.sub("", text)


def nlu_yaml(reviewed: dict[str, list[str]]) -> str:
    """Rasa NLU YAML of intent -> example texts. Square brackets would read as
    entity annotations, so they become round ones."""
    lines = [
        "# Written by `smartcity nlu export-reviewed` from the staff's review of",
        "# messages the assistant did not understand. Read it, fix what is wrong,",
        "# then `make train`.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent in sorted(reviewed):
        lines += [f"  - intent: {intent}", "    examples: |"]
        for text in sorted(set(reviewed[intent]), key=str.casefold):
            plain = yaml_printable(shown(text)).replace("[", "(").replace("]", ")")
            lines.append(f"      - {plain}")
    return "\n".join(lines) + "\n"


def export(session: Session, data_dir: Path, out: Path) -> tuple[str, int, int]:
    """(YAML, examples written, wordings left out as already in the data)."""
    known = training_examples(data_dir, skip=out)
    reviewed: dict[str, list[str]] = {}
    skipped = 0
    for row in session.scalars(select(NluReview).order_by(NluReview.id)):
        if row.text_key in known:
            skipped += 1
            continue
        reviewed.setdefault(row.intent, []).append(row.text)
    written = sum(len(texts) for texts in reviewed.values())
    return nlu_yaml(reviewed), written, skipped
