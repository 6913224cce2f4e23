"""One change to Rasa 3.6's turn, found by profiling (docs/performance.md).

Rasa checks every reply of the action server against a JSON schema with
`jsonschema.validate`, which first validates that constant schema against the
draft 2020-12 meta-schema. That check took 26 ms per custom action call, more
than the action itself. Here the schema is checked once and one validator is
kept; replies are validated exactly as before and fail with the same error.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction


@lru_cache(maxsize=1)
def _reply_validator() -> Draft202012Validator:
    schema = RemoteAction.action_response_format_spec()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    error = best_match(_reply_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate the action server's response; see "
            "https://rasa.com/docs/rasa/custom-actions for its format"
        )
        raise error
    return True


def validate_action_replies_with_one_validator() -> None:
    """Idempotent; called when the Rasa server creates our channel."""
    RemoteAction._validate_action_result = _validate_action_result
