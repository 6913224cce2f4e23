"""`python -m bot.web`: serve the web app on WEB_HOST:WEB_PORT."""

from __future__ import annotations

from aiohttp import web

from bot.logs import configure_logging
from bot.settings import get_settings
from bot.web.app import create_app


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    web.run_app(
        create_app(settings),
        host=settings.web_host,
        port=settings.web_port,
        print=None,
        shutdown_timeout=10,
    )


if __name__ == "__main__":
    main()
