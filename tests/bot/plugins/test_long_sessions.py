"""bot/plugins/long_sessions.py: a session that grew long counts as expired."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.plugins import long_sessions
from core.settings import PROJECT_ROOT, Settings


@pytest.fixture
def processor(monkeypatch):
    settings = Settings.from_env({"SESSION_MAX_TURNS": "3"})
    monkeypatch.setattr(long_sessions, "get_settings", lambda: settings)
    return SimpleNamespace(domain=Domain.load(PROJECT_ROOT / "domain.yml"))


def tracker_with(domain: Domain, messages: int, ago: float = 0) -> DialogueStateTracker:
    events = [ActionExecuted("action_session_start"), SessionStarted()]
    for _ in range(messages):
        events += [UserUttered("Hallo", timestamp=time.time() - ago),
                   ActionExecuted("utter_greet"), ActionExecuted("action_listen")]  # fmt: skip
    return DialogueStateTracker.from_events("web:x", events, domain.slots)


@pytest.mark.parametrize("messages,expired", [(0, False), (2, False), (3, True)])
def test_a_session_ends_at_the_limit(processor, messages, expired):
    tracker = tracker_with(processor.domain, messages)
    assert long_sessions.expired_or_too_long(processor, tracker) is expired
    assert (tracker.get_slot("session_continued") is True) is expired


def test_only_messages_of_the_newest_session_count(processor):
    tracker = tracker_with(processor.domain, 2)
    tracker.update(SessionStarted())
    tracker.update(UserUttered("Hallo"))
    assert long_sessions.messages_in_session(tracker) == 1
    assert not long_sessions.expired_or_too_long(processor, tracker)


def test_an_hour_of_silence_expires_without_carrying_over(processor):
    tracker = tracker_with(processor.domain, 1, ago=2 * 3600)
    assert long_sessions.expired_or_too_long(processor, tracker)
    assert tracker.get_slot("session_continued") is None
