"""A week with many misunderstood messages in Rasa's tracker table, written
fast: what one address can send in a few hours (issue 30). Shared by the
review-page volume test and tests/bench/bench_review.py."""

from __future__ import annotations

import json
import random
import re
import uuid

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import delete, insert
from sqlalchemy.future import create_engine

from core.settings import PROJECT_ROOT

EVENTS = SQLTrackerStore.SQLEvent.__table__
# Questions citizens really ask beside the topic; each comes many times.
FREQUENT = (
    "Wann wird der Müll abgeholt?",
    "Wann hat das Bürgerbüro geöffnet?",
    "Wo kann ich meinen Personalausweis verlängern?",
    "Wie hoch ist die Hundesteuer?",
    "Wo kann ich parken in der Innenstadt?",
    "Wann fährt der nächste Bus zum Betzenberg?",
    "Wie melde ich mein Auto um?",
    "Wer ist der Oberbürgermeister?",
)
MESSAGES_PER_SENDER = 20
BATCH = 3_000  # events per INSERT: seeding stays small beside what it measures


def vocabulary() -> list[str]:
    """The words of the NLU training data, so that made-up messages look German."""
    words = set()
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        words |= set(re.findall(r"[^\W\d_]{3,}", path.read_text(encoding="utf-8")))
    return sorted(words)


def wordings(count: int, seed: int = 30) -> list[str]:
    """`count` messages: one in twenty a frequent question, the rest made-up
    wordings of five to twelve words, each distinct (as a flood would be)."""
    rng = random.Random(seed)
    words = vocabulary()
    made_up: set[str] = set()
    texts = []
    for n in range(count):
        if n % 20 == 0:
            texts.append(FREQUENT[(n // 20) % len(FREQUENT)])
            continue
        text = ""
        while not text or text in made_up:
            text = " ".join(rng.choices(words, k=rng.randint(5, 12))) + "?"
        made_up.add(text)
        texts.append(text)
    return texts


def _user_data(text: str, at: float) -> str:
    """A user event as Rasa stores it, with the parse data it keeps."""
    ranking = [
        {"name": name, "confidence": round(0.3 / (i + 1), 4)}
        for i, name in enumerate(
            ["nlu_fallback", "out_of_scope", "faq", "ask_projects", "ask_events",
             "greet", "goodbye", "ask_contact", "share_idea", "affirm"]
        )
    ]  # fmt: skip
    faq = [
        {"id": i, "intent_response_key": f"faq/frage_{i}", "confidence": 0.05}
        for i in range(10)
    ]
    message_id = uuid.uuid4().hex
    parse = {
        "intent": ranking[0],
        "entities": [],
        "text": text,
        "message_id": message_id,
        "metadata": {},
        "intent_ranking": ranking,
        "response_selector": {
            "all_retrieval_intents": ["faq"],
            "faq": {"response": {"responses": None, "confidence": 0.05,
                                 "intent_response_key": "faq/frage_0",
                                 "utter_action": "utter_faq/frage_0"},
                    "ranking": faq},
        },
    }  # fmt: skip
    return json.dumps(
        {"event": "user", "timestamp": at, "metadata": {}, "text": text,
         "parse_data": parse, "input_channel": "rest", "message_id": message_id}
    )  # fmt: skip


def _rows(sender: str, text: str, at: float) -> list[dict]:
    action = {"event": "action", "timestamp": at + 0.1, "metadata": {},
              "policy": "RulePolicy", "confidence": 1.0}  # fmt: skip
    return [
        {"sender_id": sender, "type_name": "user", "timestamp": at,
         "intent_name": "nlu_fallback", "action_name": None,
         "data": _user_data(text, at)},
        {"sender_id": sender, "type_name": "action", "timestamp": at + 0.1,
         "intent_name": None, "action_name": "action_fallback",
         "data": json.dumps({**action, "name": "action_fallback"})},
        {"sender_id": sender, "type_name": "action", "timestamp": at + 0.2,
         "intent_name": None, "action_name": "action_listen",
         "data": json.dumps({**action, "name": "action_listen",
                             "timestamp": at + 0.2})},
    ]  # fmt: skip


def store_missed(url: str, texts: list[str], since: float, until: float) -> str:
    """Each text as a message answered with action_fallback, spread evenly over
    [since, until), twenty messages per conversation. Returns the prefix of
    their senders (for remove_missed)."""
    engine = create_engine(url, future=True)
    EVENTS.create(engine, checkfirst=True)
    step = (until - since) / (len(texts) + 1)
    prefix = uuid.uuid4().hex[:8]
    rows: list[dict] = []
    with engine.begin() as connection:
        for n, text in enumerate(texts):
            sender = f"{prefix}{n // MESSAGES_PER_SENDER:08d}"
            rows += _rows(sender, text, since + (n + 1) * step)
            if len(rows) >= BATCH:
                connection.execute(insert(EVENTS), rows)
                rows = []
        if rows:
            connection.execute(insert(EVENTS), rows)
    engine.dispose()
    return prefix


def remove_missed(url: str, prefix: str) -> None:
    """The conversations store_missed wrote, so that later tests see none."""
    engine = create_engine(url, future=True)
    with engine.begin() as connection:
        connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.startswith(prefix)))
    engine.dispose()
