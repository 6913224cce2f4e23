"""Rasa's own checks on the project: data validation and the test stories."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import yaml

from bot.launcher import find_model
from core.settings import PROJECT_ROOT

TRAINING_DATA = ["data/nlu", "data/stories", "data/rules"]
RASA = [sys.executable, "-m", "rasa"]
ENV = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3")


def responses_sent_by_actions() -> set[str]:
    """Responses that actions send by name; Rasa's validator cannot see those."""
    code = "\n".join(p.read_text() for p in (PROJECT_ROOT / "actions").rglob("*.py"))
    return set(re.findall(r'"(utter_(?!action")\w+)"', code))


def responses_asked_by_forms() -> set[str]:
    """utter_ask_<slot> responses, which Rasa's forms use without a story."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    slots = {
        slot for form in domain["forms"].values() for slot in form["required_slots"]
    }
    return {f"utter_ask_{slot}" for slot in slots}


def test_responses_sent_by_actions_exist_in_domain():
    domain = (PROJECT_ROOT / "domain.yml").read_text()
    for name in responses_sent_by_actions():
        assert f"\n  {name}:" in domain, name


def test_rasa_data_validate_has_no_unexpected_warnings():
    result = subprocess.run(
        [*RASA, "data", "validate", "--domain", "domain.yml", "--data", *TRAINING_DATA],
        cwd=PROJECT_ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    # utter_default is sent by Rasa's built-in action_default_fallback.
    by_name = (
        responses_sent_by_actions() | responses_asked_by_forms() | {"utter_default"}
    )
    allowed = [f"The utterance '{name}' is not used" for name in by_name]
    # Rasa reports a declared retrieval intent as a duplicate of the one it derives.
    allowed.append(
        "duplicated intents have been found across multiple domain files: faq"
    )
    warnings = [line for line in output.splitlines() if "UserWarning:" in line]
    unexpected = [w for w in warnings if not any(a in w for a in allowed)]
    assert not unexpected, "\n".join(unexpected)


@pytest.mark.model
@pytest.mark.model
def test_stories_predict_without_errors(tmp_path):
    model = find_model(PROJECT_ROOT / "models")
    result = subprocess.run(
        [
            *RASA,
            "test",
            "core",
            "--model",
            str(model),
            "--stories",
            "tests/stories",
            "--fail-on-prediction-errors",
            "--out",
            str(tmp_path),
        ],
        cwd=PROJECT_ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:] + details
