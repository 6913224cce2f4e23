"""Three changes to Rasa 3.6's turn, found by profiling (docs/performance.md);
bot/plugins/rasa_patches.py checks and applies them.

1. Rasa checks every reply of the action server against a JSON schema with
`jsonschema.validate`, which first validates that constant schema against the
draft 2020-12 meta-schema. That check took 26 ms per custom action call, more
than the action itself. Here the schema is checked once and one validator is
kept; replies are validated exactly as before and fail with the same error.

2. Rasa runs the model graph through dask's scheduler on every message;
bot.plugins.graph_runner runs the same nodes in an order computed once.

3. Reading a tracker, Rasa looks up each event's class by walking the whole
tree of Event subclasses (with `inspect.isabstract` on each): 60 % of the
time to read a session of 40 messages. The class of a type name is looked
up once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event


@lru_cache(maxsize=1)
def _reply_validator() -> Draft202012Validator:
    schema = RemoteAction.action_response_format_spec()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    error = best_match(_reply_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate the action server's response; see "
            "https://rasa.com/docs/rasa/custom-actions for its format"
        )
        raise error
    return True


_resolve_by_walking = Event.resolve_by_type


@lru_cache(maxsize=256)
def _event_class(type_name: str):
    # An unknown name raises, and exceptions are not cached.
    return _resolve_by_walking(type_name)


def resolve_by_type(type_name: str, default=None):
    try:
        return _event_class(type_name)
    except ValueError:
        if default is not None:
            return default
        raise
