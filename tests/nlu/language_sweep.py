"""How sure the language detector is on German and English sentences, per
threshold: the figures behind LanguageOfferPolicy's defaults.

    python -m tests.nlu.language_sweep
"""

from __future__ import annotations

import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.plugins.language_offer import surely_english
from core.settings import PROJECT_ROOT
from nlu.language_detector import detect

NLU = PROJECT_ROOT / "tests" / "nlu"


def _texts(path) -> list[str]:
    return [
        m.get("text")
        for m in load_data(str(path)).nlu_examples
        if not m.get("text", "").startswith("/")
    ]


def _listed(path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [text for texts in data.values() for text in texts]


def german_texts() -> list[str]:
    """German training data, the German held-out, OOD and fresh sets."""
    found = []
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        found += _texts(path)
    found += _texts(NLU / "test_set.yml")
    found += _listed(NLU / "ood_set.yml") + _listed(NLU / "fresh_set.yml")
    return found


def english_texts() -> list[str]:
    """The English held-out and OOD sets (not trained on)."""
    return _texts(NLU / "test_set_en.yml") + _listed(NLU / "ood_set_en.yml")


def main() -> None:
    german, english = german_texts(), english_texts()
    print(f"{len(german)} German, {len(english)} English sentences")
    print("| min words | min confidence | German asked | English asked |")
    print("|---|---|---|---|")
    for min_words in (1, 2, 3, 4):
        for confidence in (0.6, 0.7, 0.8, 0.9):
            config = {"min_words": min_words, "min_confidence": confidence}

            def share(texts: list[str], config=config) -> float:
                hits = [t for t in texts if surely_english(t, detect(t) or {}, config)]
                return len(hits) / len(texts)

            print(
                f"| {min_words} | {confidence} | {share(german):.2%} "
                f"| {share(english):.1%} |"
            )


if __name__ == "__main__":
    main()
