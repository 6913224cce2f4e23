"""Rasa's side of the logs: its structured events without what was said, and
the request id a message brings (bot.plugins.rasa_logging, bot.plugins.channel)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import structlog

from bot.plugins.channel import request_id_of
from bot.plugins.rasa_logging import HIDDEN, hide_private_keys

ID = "0123456789abcdef0123456789abcdef"
IDEA = "Mehr Bänke am Stiftsplatz"


def test_rasa_s_debug_events_keep_their_shape_but_not_the_message():
    logger = structlog.wrap_logger(
        structlog.ReturnLogger(),
        processors=[hide_private_keys, structlog.processors.JSONRenderer()],
    )
    line = json.loads(
        logger.debug(
            "processor.message.parse",
            parse_data_text=IDEA,
            parse_data_intent={"name": "suggest_idea", "confidence": 0.97},
            slot_values=f"idea: {IDEA}\nemail: ben@example.org",
            rasa_events=[f"BotUttered('Ihre Idee: {IDEA}')"],
        )
    )
    assert line["event"] == "processor.message.parse"
    assert line["parse_data_intent"]["name"] == "suggest_idea"
    assert line["parse_data_text"] == line["slot_values"] == HIDDEN
    assert IDEA not in json.dumps(line) and "ben@example.org" not in json.dumps(line)


def request(**headers: str) -> SimpleNamespace:
    return SimpleNamespace(headers=headers)


def test_the_web_app_s_id_comes_from_the_header_else_the_metadata():
    assert request_id_of(request(**{"X-Request-ID": ID}), None) == ID
    assert request_id_of(request(), {"request_id": ID}) == ID
    assert (
        request_id_of(request(**{"X-Request-ID": "bad id"}), {"request_id": ID}) == ID
    )


def test_a_message_without_a_valid_id_gets_a_new_one():
    for metadata in (None, {}, {"request_id": "ben@example.org"}):
        made = request_id_of(request(), metadata)
        assert len(made) == 32 and made != ID
