import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.training_data import TrainingData

from core.content import load_content
from core.settings import PROJECT_ROOT
from nlu.gazetteer import CONTENT_FILES, GazetteerEntityExtractor, content_dir

CONTENT = PROJECT_ROOT / "data" / "content"


@pytest.fixture
def config() -> dict:
    return {
        **GazetteerEntityExtractor.get_default_config(),
        "content_dir": str(CONTENT),
    }


@pytest.fixture
def trained(config, model_storage, resource, execution_context, spacy_model):
    extractor = GazetteerEntityExtractor.create(
        config, model_storage, resource, execution_context
    )
    extractor.train(TrainingData(), spacy_model)
    return extractor


def found(extractor, tokenize, text: str) -> list[tuple[str, str, str]]:
    message = tokenize(text)
    extractor.process([message], None)
    return [
        (e["entity"], e["value"], text[e["start"] : e["end"]])
        for e in message.get("entities", [])
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Infos zum 3D-Stadtmodell", [("project", "Digitaler Zwilling", "3D-Stadtmodell")]),
        ("wie weit ist das mit dem digitalen Zwilling",
         [("project", "Digitaler Zwilling", "digitalen Zwilling")]),
        ("Was kann ich auf der Mitmachplatform machen?",
         [("project", "KL MitWirkung", "Mitmachplatform")]),
        ("Was passiert auf dem Pfaff-Gelände?", [("project", "EnStadt:Pfaff", "Pfaff-Gelände")]),
        ("Stand des LoRaWAN-Sensornetzes", [("project", "LoRaWAN-Sensornetz", "LoRaWAN-Sensornetzes")]),
        ("SMART PARKING", [("project", "Smart Parking", "SMART PARKING")]),
        ("Projekte in der INNENSTADT", [("district", "Innenstadt", "INNENSTADT")]),
        ("Was gibt es in Innenstadt-West?", [("district", "Innenstadt-West", "Innenstadt-West")]),
        ("Projekte in Erlenbach", [("district", "Erlenbach", "Erlenbach")]),
        ("Projekte zum Thema Verkehr", [("topic", "Mobilität", "Verkehr")]),
        ("Was läuft bei Umwelt und Energie?", [("topic", "Umwelt und Energie", "Umwelt und Energie")]),
        ("Welche Projekte sind schon in Betrieb?", [("project_status", "im Betrieb", "in Betrieb")]),
        ("Was ist noch in Arbeit?", [("project_status", "in Umsetzung", "in Arbeit")]),
        ("Digitaler Zwilling in Morlautern",
         [("project", "Digitaler Zwilling", "Digitaler Zwilling"), ("district", "Morlautern", "Morlautern")]),
    ],
)  # fmt: skip
def test_finds_names_as_citizens_write_them(trained, tokenize, text, expected):
    assert found(trained, tokenize, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ich gehe in den Park",
        "Die Kosten sind zu hoch",
        "Hallo, wie geht es dir?",
        "Meine Daten bitte löschen",
        "Ich habe eine Idee für einen Spielplatz",
        "Wo ist das Bürgerbüro?",
        "Wann kommt die Müllabfuhr?",
        "Der Zwillingsbruder meiner Frau",
        "Kotlin oder Python?",
        "Ist das fertige Rathaus barrierefrei",
    ],
)
def test_does_not_fire_on_ordinary_words(trained, tokenize, text):
    assert [e for e in found(trained, tokenize, text) if e[0] != "project_status"] == []


def test_entities_carry_the_extractor_and_a_confidence(trained, tokenize):
    message = tokenize("Was macht die Mitmachplatform")
    trained.process([message], None)
    (entity,) = message.get("entities")
    assert entity["extractor"] == "GazetteerEntityExtractor"
    assert 0.88 <= entity["confidence"] < 1.0


def test_persist_and_load_round_trip(
    trained, config, model_storage, resource, execution_context, tokenize
):
    loaded = GazetteerEntityExtractor.load(
        config, model_storage, resource, execution_context
    )
    text = "Was tut sich beim digitalen Zwilling in der Innenstadt?"
    assert found(loaded, tokenize, text) == found(trained, tokenize, text)
    assert len(found(loaded, tokenize, text)) == 2


def test_an_untrained_extractor_finds_nothing(
    config, model_storage, resource, execution_context, tokenize
):
    loaded = GazetteerEntityExtractor.load(
        config, model_storage, resource, execution_context
    )
    assert found(loaded, tokenize, "Digitaler Zwilling") == []


def test_retraining_picks_up_new_content(
    tmp_path, config, model_storage, resource, execution_context, spacy_model, tokenize
):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    config = {**config, "content_dir": str(content)}
    before = GazetteerEntityExtractor.fingerprint_addon(config)
    projects = content / "projects.yml"
    projects.write_text(
        projects.read_text(encoding="utf-8")
        + """
  - slug: smarte-bank
    name: Smarte Sitzbank
    aliases: [Solarbank]
    topic: Umwelt und Energie
    status: geplant
    summary: Eine Bank mit Solarzelle und Ladebuchse.
""",
        encoding="utf-8",
    )
    assert GazetteerEntityExtractor.fingerprint_addon(config) != before
    extractor = GazetteerEntityExtractor.create(
        config, model_storage, resource, execution_context
    )
    extractor.train(TrainingData(), spacy_model)
    assert found(extractor, tokenize, "Wo steht die Solarbank?") == [
        ("project", "Smarte Sitzbank", "Solarbank")
    ]


def test_broken_content_stops_training_with_a_clear_error(
    tmp_path, config, model_storage, resource, execution_context, spacy_model
):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    districts = content / "districts.yml"
    districts.write_text(districts.read_text(encoding="utf-8") + "  - INNENSTADT\n")
    extractor = GazetteerEntityExtractor.create(
        {**config, "content_dir": str(content)},
        model_storage,
        resource,
        execution_context,
    )
    with pytest.raises(InvalidConfigException, match=r"districts\.yml"):
        extractor.train(TrainingData(), spacy_model)


def test_the_content_dir_comes_from_the_config_only(monkeypatch, tmp_path):
    monkeypatch.setenv("CONTENT_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv(
        "RASA_WORKERS", "many"
    )  # a bad setting is not training's business
    config = {
        **GazetteerEntityExtractor.get_default_config(),
        "content_dir": str(tmp_path),
    }
    empty = GazetteerEntityExtractor.fingerprint_addon(config)
    (tmp_path / "projects.yml").write_text("projects: []\n")
    assert GazetteerEntityExtractor.fingerprint_addon(config) != empty
    defaults = GazetteerEntityExtractor.get_default_config()
    assert content_dir(defaults) == Path("data/content")


CANONICAL = {
    "project": {p.name for p in load_content(CONTENT).projects},
    "topic": {t.name for t in load_content(CONTENT).topics},
    "district": set(load_content(CONTENT).districts),
    "project_status": {s.name for s in load_content(CONTENT).statuses},
}
words = st.sampled_from(
    ["Mitmachplattform", "Mitmachplatform", "digitalen", "Zwilling", "in", "der",
     "Innenstadt-West", "Innenstadt", "West", "Betrieb", "Pfaff", "-", "Gelände",
     "a" * 2000, "Vorschlag", "😀", "\u202e", "ß", "Smart", "PARKING", "Verkehr"]
)  # fmt: skip
texts = st.one_of(st.lists(words, max_size=60).map(" ".join), st.text(max_size=300))


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(text=texts)
def test_any_text_gives_canonical_names_on_whole_words_of_it(trained, tokenize, text):
    """Fuzzing (issue 13): no exception, spans inside the text and apart,
    values always the canonical names from the content files."""
    message = tokenize(text)
    trained.process([message], None)
    entities = message.get("entities", [])
    ends = [-1]
    for entity in sorted(entities, key=lambda e: e["start"]):
        assert 0 <= entity["start"] < entity["end"] <= len(text)
        assert entity["start"] >= ends[-1]  # no two entities overlap
        ends.append(entity["end"])
        assert entity["value"] in CANONICAL[entity["entity"]]


def test_every_input_of_the_names_changes_the_fingerprint(tmp_path):
    for name in CONTENT_FILES:
        shutil.copy(CONTENT / name, tmp_path / name)
    config = {
        **GazetteerEntityExtractor.get_default_config(),
        "content_dir": str(tmp_path),
    }
    seen = {GazetteerEntityExtractor.fingerprint_addon(config)}
    for name in CONTENT_FILES:
        with (tmp_path / name).open("a") as changed:
            changed.write("# edited\n")
        seen.add(GazetteerEntityExtractor.fingerprint_addon(config))
    assert len(seen) == len(CONTENT_FILES) + 1


def test_the_fingerprint_covers_every_content_file_that_training_reads(
    tmp_path, monkeypatch
):
    """A file that load_content reads but the fingerprint does not see would
    leave an old model running: training reads only what CONTENT_FILES names."""
    read: set[str] = set()
    original = Path.read_text

    def spy(path, *args, **kwargs):
        read.add(path.name)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", spy)
    load_content(CONTENT)
    names_read = read - {"events.yml", "contact.yml"}  # not part of the names
    assert names_read == set(CONTENT_FILES)
