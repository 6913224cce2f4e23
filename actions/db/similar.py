"""Similar suggestions: the same wish in other words, at the same place.

A score is the TF-IDF cosine of character 3-5-grams (inside words) of Snowball
German stems, plus a bonus for the same topic and for the same place (district,
or positions within NEAR_KM), minus a malus for two known, different districts.
The weights and THRESHOLD were chosen on tests/nlu/similar_pairs.yml
(`python -m tests.nlu.similarity`). IDF is fitted on a fixed background of
German ideas (the `share_idea` examples) plus the texts compared, so a score
means the same with three published suggestions or three hundred.

Anyone can hand in ideas of 2,000 characters, so the work is bounded (issue
30): a text is compared by its first MAX_COMPARED_CHARS, at most MAX_CANDIDATES
are compared, and each text's n-grams are counted once and kept (the
analysis, not the arithmetic, was what cost seconds).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import snowballstemmer
import yaml
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.db.models import Suggestion
from actions.db.suggestions import CLOSED
from core.places import Position

THRESHOLD = 0.65
TOPIC_BONUS = 0.10
SAME_PLACE_BONUS = 0.10
OTHER_PLACE_MALUS = 0.50
NEAR_KM = 0.5
MAX_CANDIDATES = 1000  # the newest; older open ideas rarely come up again
MAX_COMPARED_CHARS = 500  # a wish is said first; a long tail is noise and cost
CACHED_TEXTS = 2048  # n-gram counts kept: two full sets of candidates
BACKGROUND = Path(__file__).resolve().parents[2] / "data" / "nlu" / "ideas.yml"
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Idea:
    text: str
    topic: str | None = None
    district: str | None = None
    position: Position | None = None

    @classmethod
    def of(cls, suggestion: Suggestion) -> Idea:
        return cls(suggestion.text, suggestion.topic, suggestion.district,
                   suggestion.position)  # fmt: skip


@functools.lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("german")


@functools.lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    # Snowball is pure Python; words repeat, so the cache does most of the work.
    return _stemmer().stemWord(word)


def stems(text: str) -> str:
    return " ".join(_stem(word) for word in WORD.findall(text.casefold()))


@functools.lru_cache(maxsize=1)
def background() -> tuple[str, ...]:
    """Stemmed example ideas; empty if the file is missing (scores then vary
    more with the number of texts compared)."""
    try:
        blocks = yaml.safe_load(BACKGROUND.read_text(encoding="utf-8"))["nlu"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return ()
    lines = [
        line[2:]
        for block in blocks
        if block.get("intent") == "share_idea"
        for line in str(block.get("examples", "")).splitlines()
        if line.startswith("- ")
    ]
    return tuple(stems(line) for line in lines)


# The analysis of TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)):
# lower case, words padded with a space, their 3- to 5-grams.
_ANALYZE = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).build_analyzer()

NGrams = tuple[np.ndarray, np.ndarray]  # hashes of the n-grams, their counts


def _ngrams(stemmed: str) -> NGrams:
    counts = Counter(_ANALYZE(stemmed))
    hashes = np.fromiter(map(hash, counts), dtype=np.int64, count=len(counts))
    return hashes, np.fromiter(counts.values(), dtype=np.uint16, count=len(counts))


@functools.lru_cache(maxsize=CACHED_TEXTS)
def _compared(text: str) -> NGrams:
    """The n-grams of a text's stems; called with its first MAX_COMPARED_CHARS."""
    return _ngrams(stems(text))


@functools.lru_cache(maxsize=1)
def _background_ngrams() -> tuple[NGrams, ...]:
    return tuple(_ngrams(line) for line in background())


def _tfidf(docs: Sequence[NGrams]) -> csr_matrix:
    """The rows TfidfVectorizer(sublinear_tf=True) fitted on the docs gives:
    the same figures, with hashed n-grams as columns."""
    hashes = np.concatenate([h for h, _ in docs])
    distinct, columns = np.unique(hashes, return_inverse=True)
    rows = np.repeat(np.arange(len(docs)), [len(h) for h, _ in docs])
    counts = csr_matrix(
        (np.concatenate([c for _, c in docs]).astype(np.float64), (rows, columns)),
        shape=(len(docs), len(distinct)),
    )
    return TfidfTransformer(sublinear_tf=True).fit_transform(counts)


def _place_score(a: Idea, b: Idea) -> float:
    if a.position and b.position and a.position.km_to(b.position) <= NEAR_KM:
        return SAME_PLACE_BONUS
    if a.district and b.district:
        return SAME_PLACE_BONUS if a.district == b.district else -OTHER_PLACE_MALUS
    return 0.0


def scores(query: Idea, candidates: Sequence[Idea]) -> list[float]:
    """How similar each candidate is to the query (THRESHOLD and up: similar)."""
    if not candidates:
        return []
    texts = [_compared(idea.text[:MAX_COMPARED_CHARS]) for idea in (query, *candidates)]
    behind = _background_ngrams()
    matrix = _tfidf([*behind, *texts])[len(behind) :]
    cosines = (matrix[1:] @ matrix[0].T).toarray().ravel()
    return [
        float(cosine)
        + (TOPIC_BONUS if query.topic and query.topic == c.topic else 0.0)
        + _place_score(query, c)
        for cosine, c in zip(cosines, candidates, strict=True)
    ]


def similar(
    session: Session,
    query: Idea,
    *,
    published_only: bool = True,
    exclude_id: int | None = None,
    exclude_sender: str | None = None,
    limit: int = 3,
) -> list[tuple[Suggestion, float]]:
    """Open suggestions like the query, most similar first: for citizens only
    published ones, for staff every one that is not hidden as spam."""
    statement = (
        select(Suggestion)
        .where(Suggestion.status.not_in(CLOSED), Suggestion.hidden_at.is_(None))
        .order_by(Suggestion.created_at.desc())
        .limit(MAX_CANDIDATES)
    )
    if published_only:
        statement = statement.where(Suggestion.published_at.is_not(None))
    if exclude_id is not None:
        statement = statement.where(Suggestion.id != exclude_id)
    if exclude_sender is not None:  # one's own ideas are no news to oneself
        statement = statement.where(Suggestion.sender_key != exclude_sender)
    candidates = list(session.scalars(statement))
    scored = zip(
        candidates, scores(query, [Idea.of(c) for c in candidates]), strict=True
    )
    found = sorted((pair for pair in scored if pair[1] >= THRESHOLD),
                   key=lambda pair: pair[1], reverse=True)  # fmt: skip
    return found[:limit]
