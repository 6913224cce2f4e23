"""Logging for our processes: one format, and no citizen's words in it.

PostgreSQL explains a failed statement with a DETAIL line that may quote the
row ("Failing row contains (…, the idea, …)"). SQLAlchemy already hides bound
parameters (hide_parameters); this drops those lines from logged tracebacks.
"""

from __future__ import annotations

import logging
import re

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DETAIL = re.compile(r"^\s*(DETAIL|Key \(|Failing row).*$", re.MULTILINE)


class PrivateFormatter(logging.Formatter):
    def formatException(self, ei) -> str:
        return DETAIL.sub("DETAIL: [hidden]", super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        return DETAIL.sub("DETAIL: [hidden]", super().format(record))


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(PrivateFormatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    # httpx logs every request URL at INFO, and Telegram's URLs carry the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # Alembic announces each of its plugins at INFO on every command.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
