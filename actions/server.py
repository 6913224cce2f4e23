"""The action server: Rasa SDK's own app, on our host, tuned for bursts.

`python -m rasa_sdk` binds to all interfaces and keeps Sanic's defaults. Rasa
opens a new connection per action call, and under load its event loop may only
write the request seconds later; Sanic closes a fresh connection that is idle
for KEEP_ALIVE_TIMEOUT (5 s), and Rasa then fails the action with "Cannot
write to closing transport". Rasa itself waits up to 300 s for an action.
"""

from __future__ import annotations

from rasa_sdk.endpoint import create_app

from core.logs import configure_logging
from core.settings import get_settings

BACKLOG = 2048
IDLE_CONNECTION_SECONDS = 120


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    app = create_app("actions.sdk", cors_origins=None)
    app.config.KEEP_ALIVE_TIMEOUT = IDLE_CONNECTION_SECONDS
    app.run(
        host=settings.host,
        port=settings.action_port,
        backlog=BACKLOG,
        workers=1,
        access_log=False,
    )


if __name__ == "__main__":
    main()
