"""Rasa's log lines in our format (core.logs, LOG_FORMAT), with request ids,
and without what citizens wrote.

Rasa installs a handler of its own (coloredlogs) before any of our code runs,
and Sanic gives its loggers handlers of their own when Rasa creates the
server. The REST channel calls `take_over` twice: when Rasa builds it, so
that Rasa's lines are ours from then on, and when the server starts, after
Rasa has set Sanic's loggers up.

Rasa's structured debug events (structlog) quote the message, the slots and
the bot's replies. Rasa names those keys itself, for the anonymisation of its
paid edition (rasa.utils.log_utils._anonymizer); here their values are
hidden, so that even LOG_LEVEL=DEBUG keeps ideas and e-mail addresses out.
"""

from __future__ import annotations

from typing import Any

import structlog

from core.logs import configure_logging
from core.settings import get_settings

HIDDEN = "[hidden]"
# rasa.utils.log_utils._anonymizer of Rasa 3.6.21, plus the keys that carry
# a whole tracker or its events.
PRIVATE_KEYS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
        "tracker",
        "events",
    }
)


def hide_private_keys(
    _logger: Any, _method: str, event: dict[str, Any]
) -> dict[str, Any]:
    for key in PRIVATE_KEYS & event.keys():
        event[key] = HIDDEN
    return event


def take_over() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format, "rasa", replace=True)
    processors = structlog.get_config()["processors"]
    if hide_private_keys not in processors:
        # First: Rasa's own processors then render the event without them.
        structlog.configure(processors=[hide_private_keys, *processors])
