"""`python -m bot.web`: serve the web app on WEB_HOST:WEB_PORT."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.settings import get_settings
from bot.web.app import create_app


def main() -> None:
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL at INFO, and Telegram's URLs carry the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    web.run_app(
        create_app(settings),
        host=settings.web_host,
        port=settings.web_port,
        print=None,
        shutdown_timeout=10,
    )


if __name__ == "__main__":
    main()
