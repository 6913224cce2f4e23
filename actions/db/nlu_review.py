"""The loop that learns: messages the assistant missed in a week (and questions
whose answer got a 👎), grouped by similar wording, and the staff's decision
what each should have been.

Messages are read from Rasa's tracker store, so "Meine Daten löschen" and the
retention purge take them away. A decision keeps only the wording (no sender)
until the maintainer exports it as NLU training data.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import delete, select
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
    "utter_out_of_scope": "außerhalb des Themas",
}
OUT_OF_SCOPE = "out_of_scope"
# Intents a citizen never types: buttons, shared places and photos.
NOT_TYPED = frozenset(
    {"nlu_fallback", "attach_photo", "share_location", "inform", "support_suggestion"}
)
GROUP_THRESHOLD = 0.55
SCAN_LIMIT = 50_000
MAX_TEXT = 200
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


def text_key(text: str) -> str:
    """One wording: case, spacing and trailing punctuation do not count."""
    return re.sub(r"[\s?!.]+$", "", " ".join(text.split())).casefold()[:255]


def shown(text: str) -> str:
    return " ".join(text.split())[:MAX_TEXT]


def _text(raw: str | None) -> str:
    try:
        return (json.loads(raw or "{}").get("text") or "").strip()
    except (TypeError, ValueError, AttributeError):
        return ""


def missed(url: str, since: float, until: float | None = None) -> list[Missed] | None:
    """Typed messages the assistant answered with a fallback, oldest first.

    None when the tracker store cannot be read; [] when there is none yet.
    """
    if not conversations.exists(url):
        return []
    events = conversations.TRACKER_EVENTS.c
    statement = (
        select(
            events.sender_id,
            events.type_name,
            events.action_name,
            events.timestamp,
            events.data,
        )
        .where(events.type_name.in_(("user", "action")), events.timestamp >= since)
        .order_by(events.sender_id, events.id)
        .limit(SCAN_LIMIT)
    )
    if until is not None:
        statement = statement.where(events.timestamp < until)
    rows = conversations.read(url, statement)
    if rows is None:
        return None
    found: list[Missed] = []
    waiting: tuple[str, str, float] | None = None  # (sender, text, time)
    for sender, kind, action, moment, data in rows:
        if kind == "user":
            text = _text(data)
            # Button payloads are not words of a citizen.
            typed = text and not text.startswith("/")
            waiting = (sender, text, moment) if typed else None
        elif waiting and waiting[0] == sender and action != "action_listen":
            if action in MISSED_KINDS:
                found.append(Missed(waiting[1], MISSED_KINDS[action], waiting[2]))
            waiting = None
    return sorted(found, key=lambda m: m.at)


def rated_down(session: Session, since: float, until: float) -> list[Missed]:
    """Questions whose answer got a 👎 in [since, until), with what was missing."""
    rows = ratings.down_rated(
        session,
        datetime.fromtimestamp(since, timezone.utc),
        datetime.fromtimestamp(until, timezone.utc),
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


def grouped(messages: list[Missed]) -> list[Group]:
    """Greedy grouping: each wording joins the group of the first (more
    frequent) wording whose TF-IDF cosine of stemmed character n-grams is at
    least GROUP_THRESHOLD."""
    counts = Counter(text_key(m.text) for m in messages)
    if not counts:
        return []
    shown_as = {text_key(m.text): shown(m.text) for m in reversed(messages)}
    kinds: dict[str, Counter] = {}
    notes: dict[str, list[str]] = {}
    for m in messages:
        kinds.setdefault(text_key(m.text), Counter())[m.kind] += 1
        if m.note:
            notes.setdefault(text_key(m.text), []).append(shown(m.note))
    keys = [key for key, _ in counts.most_common()]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5),
                                 sublinear_tf=True)  # fmt: skip
    matrix = vectorizer.fit_transform([stems(key) or key for key in keys])
    cosines = (matrix @ matrix.T).toarray()
    groups: list[Group] = []
    leaders: list[int] = []
    for index, key in enumerate(keys):
        home = next(
            (g for g, lead in zip(groups, leaders, strict=True)
             if cosines[index, lead] >= GROUP_THRESHOLD),
            None,
        )  # fmt: skip
        if home is None:
            home = Group()
            groups.append(home)
            leaders.append(index)
        home.texts[shown_as[key]] += counts[key]
        home.kinds.update(kinds[key])
        home.notes += notes.get(key, [])
    return sorted(groups, key=lambda g: (-g.count, g.text.casefold()))


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
    allowed: list[str],
    actor: str,
) -> int:
    """Assign every wording of a group to `intent`, or clear it (None)."""
    if intent is not None and intent not in allowed:
        raise ReviewError("Bitte wählen Sie eine Absicht aus der Liste.")
    wordings = {text_key(t): shown(t) for t in texts if text_key(t)}
    if not wordings:
        raise ReviewError("Die Nachricht fehlt.")
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
    return len(wordings)


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
