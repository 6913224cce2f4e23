"""One id per citizen's message, carried through every process it passes.

The web app (or the Telegram bridge) makes it and sends it to Rasa as the
X-Request-ID header and in the message's metadata; Rasa keeps the metadata in
the tracker, which the action server receives with every action call. Each
process holds the id in a context variable while it works on the message, and
core.logs adds it to every log line, so an operator follows one message
through all of them with one search. The id is random: it says nothing about
who wrote, and a citizen may quote it to the city's support.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

HEADER = "X-Request-ID"
METADATA_KEY = "request_id"
# Ours are 32 hex digits; a proxy's (nginx's $request_id) fit too. Nothing
# else gets in: the id is written to every log line and echoed in a header.
VALID = re.compile(r"[A-Za-z0-9_-]{8,64}")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def valid_request_id(value: object) -> str | None:
    """`value` if it may serve as a request id, else None."""
    return value if isinstance(value, str) and VALID.fullmatch(value) else None


def current_request_id() -> str | None:
    """The id of the message this task works on, None outside of one."""
    return _current.get()


def set_request_id(request_id: str | None) -> None:
    """For hooks that cannot wrap the work in `request_scope` (Sanic's
    middleware): set at the start of every request, so none inherits another's."""
    _current.set(request_id)


@contextmanager
def request_scope(request_id: str | None = None) -> Iterator[str]:
    """Work on one message: `request_id`, or a new one, until the block ends."""
    token = _current.set(request_id or new_request_id())
    try:
        yield _current.get()
    finally:
        _current.reset(token)
