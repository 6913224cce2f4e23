"""Our changes to Rasa are checked before they are made: another Rasa version,
a renamed or reshaped target stops the start with a message saying where."""

from __future__ import annotations

import dataclasses

import pytest
import rasa
import rasa.core.processor
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import Event

from bot.plugins import long_sessions, paused, rasa_patches, tuning
from bot.plugins.graph_runner import OrderedGraphRunner
from bot.plugins.rasa_patches import PATCHES, RELIED_ON, RasaPatchError, Target


def test_this_rasa_is_the_one_the_changes_were_made_for():
    rasa_patches.check()


def test_apply_makes_every_change_and_can_run_twice():
    rasa_patches.apply()
    rasa_patches.apply()
    assert RemoteAction._validate_action_result is tuning.validate_action_result
    assert Event.resolve_by_type is tuning.resolve_by_type
    assert MessageProcessor.run_action_extract_slots is paused.extract_unless_paused
    assert MessageProcessor._has_session_expired is long_sessions.expired_or_too_long
    assert rasa.core.processor.DaskGraphRunner is OrderedGraphRunner


def test_another_rasa_version_stops_the_start(monkeypatch):
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RasaPatchError, match=r"Rasa 3\.7\.0 is installed.*3\.6\.21"):
        rasa_patches.apply()


class Reshaped:
    def _has_session_expired(self, tracker, now):  # a new parameter
        return False


@pytest.mark.parametrize(
    "target, message",
    [
        (Target(MessageProcessor, "_has_gone", ("self",), "here.py"),
         "MessageProcessor._has_gone is gone; see here.py"),
        (Target(Reshaped, "_has_session_expired", ("self", "tracker"), "here.py"),
         r"now takes \('self', 'tracker', 'now'\), not \('self', 'tracker'\)"),
    ],
)  # fmt: skip
def test_a_renamed_or_reshaped_target_is_named(target, message):
    with pytest.raises(RasaPatchError, match=message):
        target.check()


def test_a_target_that_changed_stops_apply_before_anything_is_replaced(monkeypatch):
    before = Target(Reshaped, "_has_session_expired", ("self", "tracker"), "here.py")
    reshaped = dataclasses.replace(PATCHES[-1], target=before)
    monkeypatch.setattr(rasa_patches, "PATCHES", (*PATCHES[:-1], reshaped))
    untouched = Reshaped._has_session_expired
    with pytest.raises(RasaPatchError):
        rasa_patches.apply()
    assert Reshaped._has_session_expired is untouched


@pytest.mark.parametrize("target", RELIED_ON, ids=lambda t: t.path)
def test_every_name_our_subclasses_override_is_as_expected(target):
    target.check()
