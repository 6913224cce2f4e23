"""Issue 16: ideas in plain words are offered as suggestions; questions are not."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz, process
from rasa.shared.nlu.training_data.loading import load_data

from core.settings import PROJECT_ROOT
from tests.nlu.quality import idea_failures, idea_offers, load_idea_set
from tests.nlu.test_quality import normalized


def test_the_idea_set_is_big_and_separate_from_training():
    idea_set = load_idea_set()
    assert len(idea_set["ideas"]) >= 60
    assert len(idea_set["not_ideas"]) >= 60
    training = load_data(str(PROJECT_ROOT / "data" / "nlu"))
    seen = [normalized(m.get("text")) for m in training.nlu_examples]
    near_copies = [
        text
        for text in idea_set["ideas"] + idea_set["not_ideas"]
        if process.extractOne(
            normalized(text), seen, scorer=fuzz.ratio, score_cutoff=95
        )
    ]
    assert near_copies == []


@pytest.mark.model
def test_ideas_are_offered_and_questions_are_not(agent):
    assert idea_failures(idea_offers(agent)) == []


def test_the_idea_gate_fails_on_misses_and_false_offers():
    figures = {
        "ideas_offered": 0.94,
        "false_offers": 0.05,
        "missed": ["x"],
        "offered_wrongly": ["y"],
    }
    assert len(idea_failures(figures)) == 2
    assert idea_failures({**figures, "ideas_offered": 0.95, "false_offers": 0.03}) == []
