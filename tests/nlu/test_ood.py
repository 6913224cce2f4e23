"""Issue 29: requests to a personal assistant are not ideas for the city."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz, process
from rasa.shared.nlu.training_data.loading import load_data

from core.settings import PROJECT_ROOT
from tests.nlu.quality import (
    OOD_SET_EN,
    OOD_TARGET,
    OOD_TARGET_EN,
    load_ood_set,
    ood_failures,
    ood_rejections,
)
from tests.nlu.test_quality import normalized


def test_the_ood_set_is_big_varied_and_separate_from_training():
    ood_set = load_ood_set()
    texts = [text for texts in ood_set.values() for text in texts]
    assert len(texts) >= 300
    assert all(len(texts) >= 30 for texts in ood_set.values())
    assert len({normalized(t) for t in texts}) == len(texts)
    training = load_data(str(PROJECT_ROOT / "data" / "nlu"))
    seen = [normalized(m.get("text")) for m in training.nlu_examples]
    near_copies = [
        text
        for text in texts
        if process.extractOne(
            normalized(text), seen, scorer=fuzz.ratio, score_cutoff=90
        )
    ]
    assert near_copies == []


@pytest.mark.parametrize("name", ["fresh_set.yml", "fresh_set_en.yml"])
def test_the_fresh_set_is_untouched_by_training(name):
    import yaml

    fresh = yaml.safe_load((PROJECT_ROOT / "tests" / "nlu" / name).read_text("utf-8"))
    assert {k: len(v) >= 50 for k, v in fresh.items()} == {
        "ood": True, "ideas": True, "not_ideas": True
    }  # fmt: skip
    training = load_data(str(PROJECT_ROOT / "data" / "nlu"))
    seen = [normalized(m.get("text")) for m in training.nlu_examples]
    texts = [text for kind in fresh.values() for text in kind]
    assert not [
        t
        for t in texts
        if process.extractOne(normalized(t), seen, scorer=fuzz.ratio, score_cutoff=90)
    ]


@pytest.mark.model
def test_out_of_domain_requests_are_rejected(agent):
    figures = ood_rejections(agent)
    assert ood_failures(figures) == []


def test_the_english_ood_set_is_separate_from_training():
    texts = [text for texts in load_ood_set(OOD_SET_EN).values() for text in texts]
    assert len(texts) >= 120
    training = load_data(str(PROJECT_ROOT / "data" / "nlu"))
    seen = [normalized(m.get("text")) for m in training.nlu_examples]
    near = [
        t
        for t in texts
        if process.extractOne(normalized(t), seen, scorer=fuzz.ratio, score_cutoff=90)
    ]
    assert near == []


@pytest.mark.model
def test_english_out_of_domain_requests_are_rejected(agent):
    """Issue 34: the English personal-assistant requests, answered as out of scope."""
    figures = ood_rejections(agent, OOD_SET_EN)
    assert ood_failures(figures, OOD_TARGET_EN) == []


def test_the_ood_gate_fails_below_its_target():
    figures = {"rejected": OOD_TARGET - 0.001, "missed": ["booking: x -> share_idea"]}
    assert len(ood_failures(figures)) == 1
    assert ood_failures({**figures, "rejected": OOD_TARGET}) == []
