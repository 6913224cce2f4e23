"""Every name core.protocol shares between the actions and the channels
exists in domain.yml: a rename there fails here, not in a citizen's chat."""

from __future__ import annotations

import json

import pytest
import yaml

from core import protocol
from core.settings import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
INTENTS = {
    name if isinstance(name, str) else next(iter(name)) for name in DOMAIN["intents"]
}


@pytest.mark.parametrize(
    "intent",
    [
        protocol.DELETE_ALL_INTENT,
        protocol.CLEAR_CONVERSATION_INTENT,
        protocol.AFFIRM_INTENT,
        protocol.RATE_INTENT,
    ],
)
def test_each_intent_is_in_the_domain(intent):
    assert intent in INTENTS


@pytest.mark.parametrize("action", protocol.ERASE_ACTIONS)
def test_each_erasing_action_is_in_the_domain(action):
    assert action in DOMAIN["actions"]


def test_the_payloads_name_domain_intents():
    payloads = [
        *protocol.FORGET_PAYLOADS.values(),
        protocol.AFFIRM_PAYLOAD,
        protocol.ENGLISH_PAYLOAD,
    ]
    assert {p.lstrip("/") for p in payloads} <= INTENTS


def test_a_rating_button_carries_the_domain_s_entities():
    for button in protocol.rating_buttons("offer-1"):
        assert protocol.is_rating(button)
        intent, _, entities = button["payload"][1:].partition("{")
        assert intent in INTENTS
        assert set(json.loads("{" + entities)) <= set(DOMAIN["entities"])


def test_the_actions_use_the_protocol_s_names():
    from actions.sdk.deletion_actions import (
        ActionClearConversation,
        ActionDeleteMyData,
    )

    assert ActionDeleteMyData().name() == protocol.ERASE_ACTION
    assert ActionClearConversation().name() == protocol.CLEAR_CONVERSATION_ACTION


def test_the_language_slot_is_in_the_domain():
    assert protocol.LANGUAGE_SLOT in DOMAIN["slots"]
