"""Builds the project's German spaCy pipeline: spacy.blank("de") plus the
lookup lemmatizer from spacy-lookups-data, written to the path that config.yml
gives SpacyNLP. No download is needed.

If config.yml names an installed package instead (e.g. de_core_news_md), there
is nothing to build and this only checks that the package loads.

    python -m nlu.spacy_pipeline [--config config.yml]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import spacy
import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PIPELINE_NAME = "de_smartcity_lookup"
SPACY_COMPONENTS = ("SpacyNLP", "nlu.spacy_nlp.SharedSpacyNLP")


class PipelineConfigError(ValueError):
    pass


def spacy_model_setting(config_path: Path) -> str:
    """The `model` of the SpacyNLP component in the Rasa config."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    for component in config.get("pipeline") or []:
        if isinstance(component, dict) and component.get("name") in SPACY_COMPONENTS:
            model = component.get("model")
            if not model:
                raise PipelineConfigError(f"{config_path}: SpacyNLP has no 'model'")
            return str(model)
    raise PipelineConfigError(f"{config_path}: the pipeline has no SpacyNLP component")


def is_path(model: str) -> bool:
    return "/" in model or model.startswith(".")


def build(target: Path) -> spacy.language.Language:
    """Create the blank German pipeline with lookup lemmas and save it to `target`."""
    nlp = spacy.blank("de")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lemma tables from spacy-lookups-data
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta[
        "description"
    ] = "Blank German tokenizer with lookup lemmatizer (no vectors)"
    target.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    return nlp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=PROJECT_ROOT / "config.yml")
    args = parser.parse_args(argv)
    try:
        model = spacy_model_setting(args.config)
    except (OSError, yaml.YAMLError, PipelineConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not is_path(model):
        try:
            spacy.load(model)
        except OSError:
            print(f"error: spaCy package '{model}' is not installed", file=sys.stderr)
            return 2
        print(f"using installed spaCy package {model}")
        return 0
    target = Path(model) if Path(model).is_absolute() else PROJECT_ROOT / model
    build(target)
    print(f"built German spaCy pipeline at {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
