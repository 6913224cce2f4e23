"""Rasa's REST channel, made to fail visibly.

Rasa's own REST channel answers 200 with whatever was said so far when a turn
fails, and logs the citizen's text. Rasa also wraps every tracker store in a
`FailSafeTrackerStore` that, on a database error, starts the conversation over
and keeps it in memory. Our channels must instead learn that a message was not
handled, to tell the citizen "gerade nicht erreichbar" and never report a
deletion that did not happen. So this channel answers 503 when a turn fails,
and it makes the tracker store's errors fail the turn.

Registered in credentials.yml under its module path; its URL stays
/webhooks/rest/webhook.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.tracker_store import FailSafeTrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.plugins import rasa_logging, rasa_patches
from bot.plugins.model_switch import follow_deployed_model
from core import metrics
from core.request_ids import (
    HEADER,
    METADATA_KEY,
    new_request_id,
    request_scope,
    valid_request_id,
)

logger = logging.getLogger(__name__)

# Telegram allows 4,096 characters, the widget 2,000; Rasa's sender column 255.
MAX_MESSAGE = 5000
MAX_SENDER = 255
KNOWN_CHANNELS = frozenset({"web", "telegram", "rest"})


class TrackerStoreUnavailable(Exception):
    """The conversation could not be read or saved; the turn did not happen."""


def _fail_loudly(error: Exception) -> None:
    raise TrackerStoreUnavailable(type(error).__name__) from error


def make_tracker_store_errors_fatal(tracker_store: Any) -> None:
    """Turn Rasa's fallback to memory into an error of the turn."""
    if isinstance(tracker_store, FailSafeTrackerStore):
        tracker_store._on_tracker_store_error = _fail_loudly


def _known(channel: str) -> str:
    """A metrics label from our channels' names, never from the request."""
    return channel if channel in KNOWN_CHANNELS else "other"


def request_id_of(request: Request, metadata: dict[str, Any] | None) -> str:
    """The web app's id for this message (header, else metadata), or a new one
    for a client that sent none (core.request_ids)."""
    return (
        valid_request_id(request.headers.get(HEADER))
        or valid_request_id((metadata or {}).get(METADATA_KEY))
        or new_request_id()
    )


def _bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


class RestChannel(RestInput):
    """POST /webhooks/rest/webhook: 200 with the bot's messages, else 4xx/503."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> RestChannel:
        # The one hook Rasa gives our code before the first turn.
        rasa_patches.apply()
        rasa_logging.take_over()
        return cls()

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        webhook = Blueprint(
            f"custom_webhook_{type(self).__name__}", inspect.getmodule(self).__name__
        )
        # Each worker switches to a model `smartcity model deploy` deployed.
        follow_deployed_model(webhook)

        @webhook.listener("before_server_start")
        async def log_in_our_format(_app: Any, _loop: Any) -> None:
            rasa_logging.take_over()  # Sanic's loggers are set up by now

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # Sanic raises its own error for broken JSON
                body = None
            if not isinstance(body, dict):
                return _bad_request("the body must be a JSON object")
            sender, text = body.get("sender"), body.get("message")
            metadata = body.get("metadata")
            if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER:
                return _bad_request("sender must be a string of 1-255 characters")
            if not isinstance(text, str) or len(text) > MAX_MESSAGE:
                return _bad_request("message must be a string of at most 5000")
            if metadata is not None and not isinstance(metadata, dict):
                return _bad_request("metadata must be an object")
            channel = body.get("input_channel") or self.name()
            if not isinstance(channel, str) or len(channel) > 40:
                return _bad_request("input_channel must be a short string")
            make_tracker_store_errors_fatal(request.app.ctx.agent.tracker_store)
            collector = CollectingOutputChannel()
            # In the metadata, the id reaches the action server with the tracker.
            request_id = request_id_of(request, metadata)
            message = UserMessage(
                text,
                collector,
                sender,
                input_channel=channel,
                metadata={**(metadata or {}), METADATA_KEY: request_id},
            )
            metrics.messages.labels(_known(channel)).inc()
            began = time.perf_counter()
            with request_scope(request_id):
                try:
                    with metrics.timed(metrics.turn_seconds):
                        await on_new_message(message)
                except Exception as error:
                    metrics.turn_failures.inc()
                    # Without the text: it may be an idea, an e-mail or a name.
                    logger.error(
                        "A message could not be handled (%s, caused by %s).",
                        type(error).__name__,
                        type(error.__cause__).__name__,
                        exc_info=logger.isEnabledFor(logging.DEBUG),
                    )
                    return response.json({"error": "not handled"}, status=503)
                logger.info(
                    "turn handled: %d replies in %.0f ms",
                    len(collector.messages),
                    (time.perf_counter() - began) * 1000,
                )
            return response.json(collector.messages, headers={HEADER: request_id})

        return webhook
