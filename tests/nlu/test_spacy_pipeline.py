import pytest
import spacy

from core.settings import PROJECT_ROOT
from nlu.spacy_pipeline import (
    PipelineConfigError,
    build,
    is_path,
    main,
    spacy_model_setting,
)


def test_config_names_a_buildable_path():
    model = spacy_model_setting(PROJECT_ROOT / "config.yml")
    assert is_path(model)


def test_built_pipeline_lemmatizes_german(tmp_path):
    build(tmp_path / "de")
    nlp = spacy.load(tmp_path / "de")
    lemmas = [t.lemma_ for t in nlp("Welche Projekte gibt es zu Veranstaltungen")]
    assert lemmas[1:3] == ["Projekt", "geben"]
    assert lemmas[-1] == "Veranstaltung"
    assert nlp.lang == "de"


def test_a_package_name_is_loaded_not_built(tmp_path, capsys):
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: SpacyNLP\n    model: de_core_news_md\n")
    if spacy.util.is_package("de_core_news_md"):
        assert main(["--config", str(config)]) == 0
        assert "using installed spaCy package" in capsys.readouterr().out
    else:
        assert main(["--config", str(config)]) == 2
        assert "'de_core_news_md' is not installed" in capsys.readouterr().err
    assert not (tmp_path / "de_core_news_md").exists()


@pytest.mark.parametrize(
    "text", ["pipeline: []\n", "pipeline:\n  - name: SpacyNLP\n", ""]
)
def test_config_without_spacy_model_is_an_error(tmp_path, text):
    config = tmp_path / "config.yml"
    config.write_text(text)
    with pytest.raises(PipelineConfigError):
        spacy_model_setting(config)
    assert main(["--config", str(config)]) == 2
