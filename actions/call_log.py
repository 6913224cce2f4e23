"""One log line per action call, with the request id of the message behind it.

Rasa sends the conversation's tracker with every call, and the latest
message's metadata holds the id the web app gave that message
(core.request_ids): the action server's lines carry the same id as the web
app's and Rasa's. Only the action's name and the outcome are logged; the
tracker, with what the citizen wrote, stays out.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from core.request_ids import METADATA_KEY, set_request_id, valid_request_id

logger = logging.getLogger(__name__)

ACTION_NAME = re.compile(r"[a-z][a-z0-9_]{0,99}")
SESSION_START = "action_session_start"
SESSION_METADATA_SLOT = "session_started_metadata"


def request_id_of(call: Any) -> str | None:
    """The request id in the metadata of the message the call is for."""
    tracker = call.get("tracker") if isinstance(call, dict) else None
    if not isinstance(tracker, dict):
        return None
    if action_of(call) == SESSION_START:
        # Runs before Rasa adds the new message to the tracker; Rasa hands
        # that message's metadata to it in a slot.
        slots = tracker.get("slots")
        metadata = slots.get(SESSION_METADATA_SLOT) if isinstance(slots, dict) else None
    else:
        latest = tracker.get("latest_message")
        metadata = latest.get("metadata") if isinstance(latest, dict) else None
    if not isinstance(metadata, dict):
        return None
    return valid_request_id(metadata.get(METADATA_KEY))


def action_of(call: Any) -> str:
    name = call.get("next_action") if isinstance(call, dict) else None
    return name if isinstance(name, str) and ACTION_NAME.fullmatch(name) else "?"


def _call(request: Request) -> Any:
    if request.method != "POST" or request.path != "/webhook":
        return None
    try:
        return request.json
    except Exception:  # broken or compressed JSON: the webhook itself answers
        return None


def log_calls(app: Sanic) -> None:
    @app.on_request
    async def remember(request: Request) -> None:
        call = _call(request)
        # Set on every request: one connection serves several calls in turn.
        set_request_id(request_id_of(call))
        request.ctx.action = action_of(call) if call is not None else None
        request.ctx.call_began = time.perf_counter()

    @app.on_response
    async def log(request: Request, response: HTTPResponse) -> None:
        action = getattr(request.ctx, "action", None)
        if action is None:
            return
        logger.info(
            "action %s answered %d in %.0f ms",
            action,
            response.status,
            (time.perf_counter() - request.ctx.call_began) * 1000,
        )
