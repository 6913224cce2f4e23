"""The similar-suggestions threshold holds on the labelled pairs (issue 17)."""

from __future__ import annotations

from actions.db import similar
from actions.db.similar import Idea
from tests.nlu.similarity import figures, load_pairs, pair_scores

# Floors a little below the figures at the chosen threshold: a change of the
# scoring that loses precision (wrong offers) or recall fails here.
MIN_PRECISION, MIN_RECALL = 0.88, 0.72


def test_the_labelled_set_is_big_and_balanced_enough():
    pairs = load_pairs()
    positives = sum(label for *_, label in pairs)
    assert len(pairs) >= 100 and 40 <= positives <= len(pairs) - 40


def test_precision_and_recall_at_the_threshold():
    result = figures(pair_scores(load_pairs()), similar.THRESHOLD)
    assert result["precision"] >= MIN_PRECISION, result
    assert result["recall"] >= MIN_RECALL, result


def test_a_different_district_outweighs_the_same_words():
    swing = Idea("Mehr Spielgeräte auf dem Spielplatz", "Stadtentwicklung", "Erlenbach")
    same_place = Idea("Der Spielplatz braucht mehr Spielgeräte", "Stadtentwicklung",
                      "Erlenbach")  # fmt: skip
    elsewhere = Idea("Der Spielplatz braucht mehr Spielgeräte", "Stadtentwicklung",
                     "Kaiserberg")  # fmt: skip
    near, far = similar.scores(swing, [same_place, elsewhere])
    assert near >= similar.THRESHOLD > far


def test_no_candidates_no_scores():
    assert similar.scores(Idea("Mehr Bänke"), []) == []
