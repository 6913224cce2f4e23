"""Finds projects, topics, districts and project statuses by their names.

The names come from the city's content files (see data/content/README.md), read
when the model is trained and stored in it, so retraining picks up new content.
Citizens inflect, compound and misspell ("zum digitalen Zwilling", "der
Mitmachplatform"), so spans of the message are compared by their spaCy lemmas
and by their words with rapidfuzz's normalised Indel similarity. The entity
value is always the canonical name.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasa.shared.utils.io
from rapidfuzz import fuzz, process
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from core.content import ContentError, load_content

logger = logging.getLogger(__name__)

CONTENT_FILES = ("topics.yml", "districts.yml", "statuses.yml", "projects.yml")


@dataclass(frozen=True)
class Name:
    """One way of writing an entity value: its lowercase words or its lemmas."""

    entity: str
    value: str
    form: str


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    is_trainable=True,
    model_from="SharedSpacyNLP",
)
class GazetteerEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts content names, tolerant of inflection and small typos."""

    FILE_NAME = "gazetteer.json"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            # The content files whose names are recognised; relative to the
            # folder Rasa runs in, as SpacyNLP's `model` is.
            "content_dir": "data/content",
            # Lowest rapidfuzz ratio (0-100) that counts as a match; measured
            # in docs/nlu-quality.md.
            "threshold": 90,
            # Names shorter than this must match exactly: "laufen" is not
            # "laufend", nor "Kosten" "Kotten".
            "min_fuzzy_length": 8,
            # Longest span, in tokens, that is compared with the names.
            "max_span_tokens": 5,
            # Entities matched by their words only, not by lemmas: statuses are
            # participles, and the lemma of "beendet" is the verb "beenden".
            "word_forms_only": ["project_status"],
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        names: list[Name] | None = None,
        stop_words: list[str] | None = None,
    ) -> None:
        """Creates the extractor from known names (empty before training)."""
        self.component_config = config
        self._model_storage = model_storage
        self._resource = resource
        self._set_names(names or [], stop_words or [])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GazetteerEntityExtractor:
        """Creates a new component (see parent class for full docstring)."""
        return cls(config, model_storage, resource)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Retrain when a content file the names come from changes, not only
        when the training data does."""
        digest = hashlib.sha256()
        directory = content_dir(config)
        for name in CONTENT_FILES:
            path = directory / name
            digest.update(path.read_bytes() if path.is_file() else b"-")
        return digest.hexdigest()

    def train(self, training_data: TrainingData, model: SpacyModel) -> Resource:
        """Reads the names from the content files and lemmatises them."""
        directory = content_dir(self.component_config)
        try:
            content = load_content(directory)
        except ContentError as error:
            raise InvalidConfigException(
                f"{self.__class__.__name__} cannot read the content: {error}"
            ) from error
        spellings = [
            *(
                ("project", p.name, [p.name, *p.aliases, *english(p)])
                for p in content.projects
            ),
            *(
                ("topic", t.name, [t.name, *t.aliases, *english(t)])
                for t in content.topics
            ),
            *(
                ("district", d, [d, *content.district_aliases.get(d, [])])
                for d in content.districts
            ),
            *(
                ("project_status", s.name, [s.name, *s.aliases, *english(s)])
                for s in content.statuses
            ),
        ]
        words_only = set(self.component_config["word_forms_only"])
        names = []
        for entity, value, variants in spellings:
            for doc in model.model.pipe(variants):
                names.append(Name(entity, value, _form(t.text for t in doc)))
                if entity not in words_only:
                    names.append(Name(entity, value, _form(t.lemma_ for t in doc)))
        self._set_names(
            sorted(set(names), key=lambda n: (n.entity, n.value, n.form)),
            sorted(model.model.Defaults.stop_words),
        )
        self.persist()
        return self._resource

    def persist(self) -> None:
        """Stores the names in the model."""
        with self._model_storage.write_to(self._resource) as directory:
            rasa.shared.utils.io.dump_obj_as_json_to_file(
                directory / self.FILE_NAME,
                {
                    "names": [asdict(name) for name in self._names],
                    "stop_words": sorted(self._stop_words),
                },
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GazetteerEntityExtractor:
        """Loads the names stored by `persist`."""
        try:
            with model_storage.read_from(resource) as directory:
                stored = rasa.shared.utils.io.read_json_file(directory / cls.FILE_NAME)
        except ValueError:
            logger.warning(
                f"No names stored for {cls.__name__}; it will find no entities."
            )
            stored = {"names": [], "stop_words": []}
        names = [Name(**name) for name in stored["names"]]
        return cls(config, model_storage, resource, names, stored["stop_words"])

    def process(self, messages: list[Message], model: SpacyModel) -> list[Message]:
        """Adds the names found in each message.

        The tokens (with lemmas) come from the tokenizer, so `model` is not used
        here; the recipe passes it because the names were lemmatised with it.
        """
        for message in messages:
            entities = self.extract(message.get(TOKENS_NAMES[TEXT]) or [])
            entities = self.add_extractor_name(entities)
            message.set(
                ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True
            )
        return messages

    def extract(self, tokens: list[Token]) -> list[dict[str, Any]]:
        """Non-overlapping best matches of the known names in `tokens`."""
        if not self._names or not tokens:
            return []
        spans = list(self._spans(tokens))
        if not spans:
            return []
        queries = [form for _, _, forms in spans for form in forms]
        scores = process.cdist(
            queries,
            self._forms,
            scorer=fuzz.ratio,
            score_cutoff=self.component_config["threshold"],
            dtype=np.uint8,
            workers=1,
        )
        exact_only = self._short & (scores < 100)
        scores[exact_only] = 0
        candidates = []
        for row, (first, last, _) in zip(
            range(0, len(queries), 2), spans, strict=False
        ):
            best = scores[row : row + 2].max(axis=0)
            choice = int(best.argmax())
            if best[choice]:
                candidates.append(
                    (int(best[choice]), last - first, first, last, choice)
                )
        return self._select(candidates, tokens)

    def _select(self, candidates: list, tokens: list[Token]) -> list[dict[str, Any]]:
        # Best score first, then the longer span: "der Mitmachplattform" loses
        # to "Mitmachplattform", and "Innenstadt-West" beats "Innenstadt".
        taken: set[int] = set()
        found = []
        for score, _, first, last, choice in sorted(candidates, reverse=True):
            if taken.intersection(range(first, last)):
                continue
            taken.update(range(first, last))
            name = self._names[choice]
            found.append(
                {
                    "entity": name.entity,
                    "start": tokens[first].start,
                    "end": tokens[last - 1].end,
                    "value": name.value,
                    "confidence": score / 100,
                }
            )
        return sorted(found, key=lambda entity: entity["start"])

    def _spans(self, tokens: list[Token]) -> Iterable[tuple[int, int, tuple]]:
        """Each span as (first, end) token index and its (words, lemmas) forms."""
        longest = self.component_config["max_span_tokens"]
        # "bei der Digitalisierung" is not "Beirat Digitalisierung": a span may
        # begin or end with a stop word only where a name does ("im Betrieb").
        words = [_form([t.text]) for t in tokens]
        for first in range(len(tokens)):
            if not self._may_edge(words[first], self._first_words):
                continue
            for last in range(first + 1, min(first + longest, len(tokens)) + 1):
                if not self._may_edge(words[last - 1], self._last_words):
                    continue
                span = tokens[first:last]
                yield first, last, (
                    _form(t.text for t in span),
                    _form(t.lemma or t.text for t in span),
                )

    def _may_edge(self, word: str, name_edges: set[str]) -> bool:
        if not any(character.isalnum() for character in word):
            return False
        return word not in self._stop_words or word in name_edges

    def _set_names(self, names: list[Name], stop_words: list[str]) -> None:
        self._names = names
        self._stop_words = set(stop_words)
        self._forms = [name.form for name in names]
        self._first_words = {form.split()[0] for form in self._forms if form}
        self._last_words = {form.split()[-1] for form in self._forms if form}
        short = self.component_config["min_fuzzy_length"]
        self._short = np.array([len(form) < short for form in self._forms], dtype=bool)


def content_dir(config: dict[str, Any]) -> Path:
    """The configured folder (config.yml); never the environment, so that the
    model's fingerprint sees everything training read."""
    return Path(config.get("content_dir") or "data/content")


def _form(words: Iterable[str]) -> str:
    """Lowercase words separated by single spaces; hyphens count as spaces."""
    return " ".join(" ".join(words).replace("-", " ").casefold().split())


def english(entry) -> list[str]:
    """The English name of a project, topic or stage, if the city wrote one."""
    return [entry.en.name] if entry.en else []
