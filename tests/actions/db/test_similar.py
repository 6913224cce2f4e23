"""Similar open suggestions from the database: published ones for citizens,
every one but spam for staff; closed ones never."""

from __future__ import annotations

import random
import string
import uuid

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from actions.db import review
from actions.db import similar as similar_module
from actions.db import suggestions as store
from actions.db.models import utcnow
from actions.db.similar import Idea, similar
from core.places import Position

CROSSING = "Vor der Grundschule in Kotten fehlt ein Zebrastreifen"


def make(session, text, *, published=True, **extra):
    new = store.NewSuggestion(
        form_run_id=uuid.uuid4().hex, channel="rest", sender_key=uuid.uuid4().hex,
        text=text, topic=extra.pop("topic", "Mobilität"),
        public_consent_at=utcnow() if published else None, **extra,
    )  # fmt: skip
    with session.begin():
        suggestion, _ = store.create(session, new, daily_limit=5)
        if published:
            review.publish(session, suggestion.reference, text[:60], actor="anna")
    return suggestion


def test_citizens_see_only_published_open_suggestions(session):
    shown = make(session, CROSSING, district="Kotten")
    make(session, "Zebrastreifen an der Grundschule Kotten, bitte", published=False,
         district="Kotten")  # fmt: skip
    closed = make(session, "Ein Zebrastreifen vor der Kottenschule", district="Kotten")
    hidden = make(session, "Zebrastreifen an der Grundschule in Kotten fehlt",
                  district="Kotten")  # fmt: skip
    make(session, "Mehr Bänke im Stadtpark", topic="Stadtentwicklung")
    with session.begin():
        store.change_status(session, closed, "zurueckgezogen", actor="buerger")
        review.set_hidden(session, hidden.reference, True, actor="anna")

    query = Idea("An der Kottenschule braucht es einen Zebrastreifen", "Mobilität",
                 "Kotten")  # fmt: skip
    found = similar(session, query)
    assert [s.reference for s, _score in found] == [shown.reference]
    for_staff = similar(session, query, published_only=False)
    assert len(for_staff) == 2 and hidden.reference not in {
        s.reference for s, _ in for_staff
    }


def test_nothing_similar_nothing_found_and_the_own_one_is_left_out(session):
    own = make(session, CROSSING, district="Kotten")
    assert similar(session, Idea("Längere Öffnungszeiten der Bibliothek")) == []
    assert similar(session, Idea.of(own), exclude_id=own.id) == []
    assert [s.id for s, _ in similar(session, Idea.of(own))] == [own.id]


def test_at_most_three_most_similar_first(session):
    texts = [
        "Mehr Fahrradständer am Stiftsplatz",
        "Am Stiftsplatz fehlen Fahrradständer",
        "Fahrradständer am Stiftsplatz, bitte mehr davon",
        "Mehr Fahrradständer am Stiftsplatz aufstellen",
    ]
    for text in texts:
        make(session, text, position=Position(49.4443, 7.7689))
    query = Idea("Mehr Fahrradständer am Stiftsplatz", "Mobilität",
                 position=Position(49.4445, 7.7691))  # fmt: skip
    found = similar(session, query)
    assert len(found) == 3
    assert [score for _, score in found] == sorted((s for _, s in found), reverse=True)
    assert found[0][0].text == texts[0]


def spam(seed: int, length: int = 2000) -> str:
    """A long text of made-up words, as a flood of suggestions would be."""
    rng = random.Random(seed)
    words = []
    while sum(len(w) + 1 for w in words) < length:
        words.append("".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 11))))
    return " ".join(words)[:length]


def stemmed_lengths(monkeypatch) -> list[int]:
    """Lengths of the texts the scoring stems, recorded as it runs."""
    lengths: list[int] = []
    real = similar_module.stems

    def spy(text: str) -> str:
        lengths.append(len(text))
        return real(text)

    monkeypatch.setattr(similar_module, "stems", spy)
    return lengths


def test_long_texts_are_compared_by_their_beginning(monkeypatch):
    """Issue 30: 300 spam texts of 2,000 characters took 17.6 s."""
    monkeypatch.setattr(similar_module, "MAX_COMPARED_CHARS", 300, raising=False)
    lengths = stemmed_lengths(monkeypatch)
    scores = similar_module.scores(Idea(spam(0)), [Idea(spam(n)) for n in range(1, 4)])
    assert len(scores) == 3 and lengths
    assert max(lengths) <= 300


def test_a_text_once_scored_is_not_analysed_again(monkeypatch):
    lengths = stemmed_lengths(monkeypatch)
    query, candidates = Idea(spam(10, 300)), [Idea(spam(n, 300)) for n in range(11, 41)]
    first = similar_module.scores(query, candidates)
    analysed = len(lengths)
    assert similar_module.scores(query, candidates) == first
    assert len(lengths) == analysed, "the second look analysed the texts again"


def reference_scores(query: Idea, candidates: list[Idea]) -> list[float]:
    """The cosines as scikit-learn's TfidfVectorizer gave them before issue 30."""
    stems, background = similar_module.stems, similar_module.background
    texts = [stems(query.text), *(stems(c.text) for c in candidates)]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5),
                                 sublinear_tf=True)  # fmt: skip
    vectorizer.fit([*background(), *texts])
    matrix = vectorizer.transform(texts)
    return list((matrix[1:] @ matrix[0].T).toarray().ravel())


def test_the_scores_of_short_texts_are_those_of_before():
    query = Idea("Mehr Fahrradständer am Stiftsplatz")
    candidates = [
        Idea(CROSSING),
        Idea("Am Stiftsplatz fehlen Fahrradständer"),
        Idea("Längere Öffnungszeiten der Bibliothek"),
        Idea("Fahrradbügel am Stiftsplatz, bitte mehr davon " * 3),
    ]
    found = similar_module.scores(query, candidates)
    assert found == pytest.approx(reference_scores(query, candidates), abs=1e-9)
