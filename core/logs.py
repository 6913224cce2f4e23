"""Logging for our processes: one format, and no citizen's words in it.

PostgreSQL explains a failed statement with a DETAIL line that may quote the
row ("Failing row contains (…, the idea, …)"). SQLAlchemy already hides bound
parameters (hide_parameters); this drops those lines from logged tracebacks,
and our channels' sender ids from every line.

LOG_FORMAT=json writes one JSON object per line for a log shipper (journald,
Loki): time, level, logger, message, process, request_id and exception, and
nothing else. Extra attributes of a record never get out, because a library
may put a client's address or a message into them (Sanic's access log does).
Every line of a process carries the request id of the message it was
working on (core.request_ids).
"""

from __future__ import annotations

import logging
import re

from pythonjsonlogger.json import JsonFormatter

from core.request_ids import current_request_id

FORMAT = "%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s"
DETAIL = re.compile(r"^\s*(DETAIL|Key \(|Failing row).*$", re.MULTILINE)
# Our channels' sender ids ("web:<pseudonym>", "telegram:<chat id>"): Rasa's
# debug lines name the conversation, and a Telegram chat id is a person's.
SENDER = re.compile(r"\b(?:web|telegram):[A-Za-z0-9_:-]+")
# Loggers that come with handlers of their own: Sanic's (Rasa's server sets
# them up). Their records go through ours instead, in our format.
OWN_HANDLERS = ("sanic.root", "sanic.error", "sanic.access", "sanic.server")


def hide_private(text: str) -> str:
    return SENDER.sub("[sender]", DETAIL.sub("DETAIL: [hidden]", text))


class RequestIdFilter(logging.Filter):
    """Adds the current message's request id to every record (None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id()
        record.request_id = request_id
        record.request_tag = f" [req={request_id}]" if request_id else ""
        return True


class PrivateFormatter(logging.Formatter):
    def __init__(self, fmt: str = FORMAT) -> None:
        # A record that did not pass RequestIdFilter still formats.
        super().__init__(fmt, defaults={"request_tag": ""})

    def formatException(self, ei) -> str:
        return hide_private(super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        # rstrip: a captured warning ends in a line break of its own.
        return hide_private(super().format(record)).rstrip("\n")


class PrivateJsonFormatter(JsonFormatter):
    """One JSON object per line, with these fields only, in this order."""

    FIELDS = (
        "time",
        "level",
        "logger",
        "message",
        "process",
        "request_id",
        "exception",
        "stack",
    )

    def __init__(self, process: str) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={
                "levelname": "level",
                "name": "logger",
                "exc_info": "exception",
                "stack_info": "stack",
            },
            static_fields={"process": process},
            timestamp="time",  # ISO 8601 in UTC, from the record's creation
            json_ensure_ascii=False,  # umlauts stay readable, and searchable
        )

    def process_log_record(self, log_data: dict) -> dict:
        kept = {
            field: log_data[field]
            for field in self.FIELDS
            if log_data.get(field) is not None
        }
        for field in ("message", "exception", "stack"):
            if isinstance(kept.get(field), str):
                kept[field] = hide_private(kept[field]).rstrip("\n")
        return kept


def formatter(log_format: str, process: str) -> logging.Formatter:
    if log_format == "json":
        return PrivateJsonFormatter(process)
    return PrivateFormatter()


def configure_logging(
    level: str, log_format: str = "text", process: str = "", replace: bool = False
) -> None:
    """Every record of this process in one format on standard error, also those
    of loggers that had handlers of their own, and Python's warnings.

    replace: drop the handlers someone else installed first (Rasa's); without
    it, a process whose logging is set up already (a test run) keeps its own.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format, process))
    handler.addFilter(RequestIdFilter())
    logging.basicConfig(level=level, handlers=[handler], force=replace)
    for name in OWN_HANDLERS:
        own = logging.getLogger(name)
        for their in list(own.handlers):
            own.removeHandler(their)
        own.propagate = True
    logging.captureWarnings(True)
    # httpx logs every request URL at INFO, and Telegram's URLs carry the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # Alembic announces each of its plugins at INFO on every command.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
