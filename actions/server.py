"""The action server: Rasa SDK's own app, on our host, tuned for bursts.

`python -m rasa_sdk` binds to all interfaces and keeps Sanic's defaults. Rasa
opens a new connection per action call, and under load its event loop may only
write the request seconds later; Sanic closes a fresh connection that is idle
for KEEP_ALIVE_TIMEOUT (5 s), and Rasa then fails the action with "Cannot
write to closing transport". Rasa itself waits up to 300 s for an action.
"""

from __future__ import annotations

import time

from rasa_sdk.endpoint import create_app
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.call_log import log_calls
from core import metrics
from core.logs import configure_logging
from core.settings import get_settings

ACTIONS = "actions.sdk"
BACKLOG = 2048
IDLE_CONNECTION_SECONDS = 120


def count_actions(app: Sanic) -> None:
    """Time each action call. A 200 or a 500 means the SDK found the action
    (an unknown name is a 404), so no request can add a label of its own."""

    @app.on_request
    async def began(request: Request) -> None:
        request.ctx.began = time.perf_counter()

    @app.on_response
    async def ended(request: Request, response: HTTPResponse) -> None:
        if request.path != "/webhook" or response.status not in (200, 500):
            return
        body = request.json
        name = body.get("next_action") if isinstance(body, dict) else None
        if not isinstance(name, str) or not hasattr(request.ctx, "began"):
            return
        if response.status == 200:
            metrics.action_seconds.labels(name).observe(
                time.perf_counter() - request.ctx.began
            )
        else:
            metrics.action_failures.labels(name).inc()


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format, "actions")
    app = create_app(ACTIONS, cors_origins=None)
    app.config.KEEP_ALIVE_TIMEOUT = IDLE_CONNECTION_SECONDS
    count_actions(app)
    log_calls(app)
    app.run(
        host=settings.host,
        port=settings.action_port,
        backlog=BACKLOG,
        workers=1,
        access_log=False,
    )


if __name__ == "__main__":
    main()
