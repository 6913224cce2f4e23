"""The log formats (core.logs): what a line holds, and what it never holds."""

from __future__ import annotations

import io
import json
import logging
import sys
from datetime import datetime, timezone

import pytest

from core.logs import (
    FORMAT,
    PrivateFormatter,
    PrivateJsonFormatter,
    RequestIdFilter,
    configure_logging,
)
from core.request_ids import request_scope

IDEA = "Mehr Bänke am Stiftsplatz"
ROW = f"DETAIL:  Failing row contains (7, {IDEA}, ben@example.org)."


def record(
    message: str = "turn handled in %d ms",
    args: tuple = (12,),
    exc_info=None,
    **extra,
) -> logging.LogRecord:
    made = logging.LogRecord(
        "bot.web", logging.INFO, __file__, 1, message, args, exc_info
    )
    made.__dict__.update(extra)
    return made


def failure() -> tuple:
    try:
        raise RuntimeError(f"insert failed\n{ROW}")
    except RuntimeError:
        return sys.exc_info()


def as_json(formatted: str) -> dict:
    assert "\n" not in formatted, "one line per record"
    line = json.loads(formatted)
    assert isinstance(line, dict)
    return line


def json_line(made: logging.LogRecord, process: str = "web") -> dict:
    RequestIdFilter().filter(made)
    return as_json(PrivateJsonFormatter(process).format(made))


def test_a_json_line_has_the_documented_fields_in_order():
    with request_scope("0123456789abcdef"):
        line = json_line(record())
    assert list(line) == [
        "time",
        "level",
        "logger",
        "message",
        "process",
        "request_id",
    ]
    assert line["level"] == "INFO" and line["logger"] == "bot.web"
    assert line["message"] == "turn handled in 12 ms"
    assert line["process"] == "web" and line["request_id"] == "0123456789abcdef"
    time = datetime.fromisoformat(line["time"])
    assert time.utcoffset().total_seconds() == 0
    assert abs((datetime.now(timezone.utc) - time).total_seconds()) < 60


def test_outside_a_request_a_json_line_has_no_request_id():
    assert "request_id" not in json_line(record())


def test_extra_attributes_and_arguments_never_become_fields():
    """Sanic's access log, for one, passes the client's host as an extra; a
    message's arguments show only where its template puts them."""
    made = record(host="203.0.113.9:51234", request="POST /api/chat", text=IDEA)
    line = json_line(made)
    assert set(line) == {"time", "level", "logger", "message", "process"}
    assert line["message"] == "turn handled in 12 ms"
    assert "203.0.113.9" not in json.dumps(line) and "Stiftsplatz" not in str(line)


def test_the_exception_is_a_field_without_postgres_detail():
    line = json_line(record("insert failed", (), failure()))
    assert "RuntimeError: insert failed" in line["exception"]
    assert "DETAIL: [hidden]" in line["exception"]
    assert IDEA not in json.dumps(line) and "ben@example.org" not in json.dumps(line)


def test_sender_ids_are_hidden_in_both_formats():
    """Rasa's debug lines name the conversation; a Telegram chat id is a person's."""
    made = record("Acquiring lock for conversation '%s'.", ("telegram:123456789",))
    assert json_line(made)["message"] == "Acquiring lock for conversation '[sender]'."
    text = PrivateFormatter().format(record("lock %s", ("web:0e7dd987f9a4683af3",)))
    assert text.endswith("lock [sender]")


def test_umlauts_stay_readable_for_the_operator_and_a_search():
    assert json_line(record("Thema %s", ("Grünflächen",)))["message"] == (
        "Thema Grünflächen"
    )


def test_the_text_format_names_the_request_id_only_within_a_request():
    formatter = PrivateFormatter()
    outside = record()
    RequestIdFilter().filter(outside)
    assert formatter.format(outside).endswith(" INFO bot.web: turn handled in 12 ms")
    with request_scope("0123456789abcdef"):
        inside = record()
        RequestIdFilter().filter(inside)
    assert " bot.web [req=0123456789abcdef]: turn handled" in formatter.format(inside)
    # A record that missed the filter (another handler's) still formats.
    assert PrivateFormatter(FORMAT).format(record()).endswith("turn handled in 12 ms")


@pytest.fixture
def fresh_root():
    """The root logger as a new process has it; pytest's handlers come back after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    sanic = logging.getLogger("sanic.error")
    sanic_saved = sanic.handlers[:], sanic.propagate
    root.handlers.clear()
    yield root
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    sanic.handlers[:], sanic.propagate = sanic_saved
    logging.captureWarnings(False)


def test_configure_logging_writes_json_lines_with_the_request_id(
    fresh_root, monkeypatch
):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    # Rasa's server gives Sanic's loggers their own handlers and format.
    sanic = logging.getLogger("sanic.error")
    sanic.addHandler(logging.StreamHandler(stream))
    sanic.propagate = False
    configure_logging("INFO", "json", "rasa", replace=True)
    with request_scope("0123456789abcdef"):
        logging.getLogger("bot.plugins.channel").info("turn handled")
        sanic.error("Exception occurred while handling uri")
    lines = [as_json(line) for line in stream.getvalue().splitlines()]
    assert [line["logger"] for line in lines] == ["bot.plugins.channel", "sanic.error"]
    assert {line["request_id"] for line in lines} == {"0123456789abcdef"}
    assert {line["process"] for line in lines} == {"rasa"}


def test_configure_logging_keeps_a_set_up_root_unless_told_to_replace(fresh_root):
    own = logging.NullHandler()
    fresh_root.addHandler(own)
    configure_logging("INFO", "json", "web")
    assert own in fresh_root.handlers
    assert not any(
        isinstance(h.formatter, PrivateJsonFormatter) for h in fresh_root.handlers
    )
    configure_logging("INFO", "json", "rasa", replace=True)
    assert len(fresh_root.handlers) == 1 and fresh_root.handlers[0] is not own
    assert isinstance(fresh_root.handlers[0].formatter, PrivateJsonFormatter)
