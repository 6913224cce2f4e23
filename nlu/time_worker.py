"""Recognizers-Text in a worker process, so that its work per message is bounded.

The recognizer's cost grows exponentially with the number of date phrases in
one text ("in 2 Wochen und 3 Tagen " * 20 keeps it busy for minutes), and Rasa
runs NLU on its one event loop. A thread cannot be stopped, a process can: the
extractor sends short windows of the message here and waits at most its time
budget; a worker that overruns is killed, and that message loses its dates,
not its answer.

Protocol: one JSON object per line. The worker first writes {"ready": true};
then each request {"id", "reference", "budget", "windows": [[offset, text,
cultures]]} gets one answer {"id", "results": [...]}, with offsets into the
whole message; `cultures` names the recognizers a window goes to ("de", "en").
"""

from __future__ import annotations

import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
from datetime import datetime
from typing import Any

logger = logging.getLogger(__name__)

# Importing Recognizers-Text and compiling its German patterns takes 1-3 s.
STARTUP_SECONDS = 30
# The worker stops starting new windows when this share of the budget is gone,
# so that it answers with what it has before the parent gives up on it.
WORKER_SHARE = 0.7
WARM_UP = {
    "de": "am Samstag, dem 12. Dezember, von 10 bis 12 Uhr oder übermorgen Abend",
    "en": "on Saturday, December 12, from 10 to 12 or this weekend in the evening",
}

RawResult = dict[str, Any]


def _metrics():
    """core.metrics, imported by the parent only: a worker that imported it
    would leave its own files in the metrics directory at every restart."""
    from core import metrics

    return metrics


def _serve() -> None:
    """The worker's loop: parse each request's windows until its budget is used."""
    from ms_recognizers_date_time import DateTimeRecognizer
    from ms_recognizers_text import Culture

    cultures = {"de": Culture.German, "en": Culture.English}
    models = {}
    for name, culture in cultures.items():
        models[name] = DateTimeRecognizer(culture).get_datetime_model()
        models[name].parse(WARM_UP[name], datetime(2026, 1, 1))  # compiles more
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        began = time.monotonic()
        reference = datetime.fromisoformat(request["reference"])
        results: list[RawResult] = []
        for offset, text, wanted in _each_culture(request["windows"]):
            if time.monotonic() - began > request["budget"] * WORKER_SHARE:
                break
            try:
                found = models[wanted].parse(text, reference)
            except Exception:  # noqa: S112 - its regexes fail on odd input; skip it
                continue
            results.extend(
                {
                    "type_name": result.type_name,
                    "start": result.start + offset,
                    "end": result.end + offset,
                    "resolution": result.resolution,
                }
                for result in found
            )
        out.write(json.dumps({"id": request["id"], "results": results}) + "\n")
        out.flush()


def _each_culture(windows: list) -> list[tuple[int, str, str]]:
    """(offset, text, culture) per window and culture; German first."""
    return [
        (offset, text, culture)
        for offset, text, cultures in windows
        for culture in ("de", "en")
        if culture in cultures
    ]


class RecognizerWorker:
    """The parent's handle on one worker process; restarts it after a kill."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._buffer = b""
        self._ready = False
        self._started_once = False
        self._next_id = 0
        self.kills = 0

    def start(self) -> None:
        """Spawn the worker without waiting for it to be ready."""
        with self._lock:
            self._spawn()

    def parse(
        self,
        windows: list[tuple[int, str, tuple[str, ...]]],
        reference: datetime,
        budget: float,
    ) -> list[RawResult] | None:
        """The raw results for `windows`, or None if the budget ran out first."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                if self._process is not None:
                    _metrics().time_worker_restarts.inc()
                self._end_process()  # it died: its pipes are still open
                self._spawn()
            if not self._ready and not self._await_ready():
                return None
            self._next_id += 1
            request = {
                "id": self._next_id,
                "reference": reference.isoformat(),
                "budget": budget,
                "windows": windows,
            }
            try:
                self._process.stdin.write((json.dumps(request) + "\n").encode())
                self._process.stdin.flush()
            except OSError:
                self._kill("it could not be written to")
                return None
            answer = self._read_line(time.monotonic() + budget)
            if answer is None or answer.get("id") != self._next_id:
                _metrics().time_worker_timeouts.inc()
                self._kill(f"it did not answer within {budget:.2f} s")
                return None
            return answer["results"]

    def close(self) -> None:
        with self._lock:
            self._end_process()

    def _spawn(self) -> None:
        self._buffer, self._ready = b"", False
        self._process = subprocess.Popen(
            [sys.executable, "-m", "nlu.time_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # stderr is inherited: a worker that cannot start says why in Rasa's log.
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        )

    def _await_ready(self) -> bool:
        # Only the first start is waited for (Rasa is loading anyway); after a
        # kill, messages go without dates until the new worker is ready.
        wait = 0.0 if self._started_once else STARTUP_SECONDS
        answer = self._read_line(time.monotonic() + wait)
        if answer is not None and answer.get("ready"):
            self._ready = self._started_once = True
            return True
        if answer is not None or self._process.poll() is not None:
            self._kill("it did not start")
        return False

    def _read_line(self, deadline: float) -> dict[str, Any] | None:
        stdout = self._process.stdout
        while b"\n" not in self._buffer:
            remaining = max(0.0, deadline - time.monotonic())
            readable, _, _ = select.select([stdout], [], [], remaining)
            if not readable:
                return None
            chunk = os.read(stdout.fileno(), 65536)
            if not chunk:
                return None  # the worker died
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            return json.loads(line)
        except ValueError:
            return None

    def _kill(self, reason: str) -> None:
        self.kills += 1
        _metrics().time_worker_restarts.inc()
        logger.warning("Stopping the date recognizer: %s. Restarting it.", reason)
        self._end_process()
        self._spawn()

    def _end_process(self) -> None:
        """Kill the worker and close its pipes, which would otherwise wait for
        the garbage collector (a stream of hostile texts kills many workers)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            for pipe in (self._process.stdin, self._process.stdout):
                if pipe is not None:
                    pipe.close()
            self._process = None


if __name__ == "__main__":
    logging.disable(logging.CRITICAL)  # its stdout is the protocol
    _serve()
