"""What a feed of recurring events costs to import (issue 36.5).

    python -m tests.bench.bench_ics [--series N]

Builds an iCalendar feed of N weekly series without an end (default 1,000),
each with an excluded date, and imports it into a fresh SQLite database
three times: the first import creates every date within the horizon, the
others find them unchanged. Prints the dates stored and the median seconds
of each kind of import. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from actions.db import ics
from actions.db.models import Event
from actions.db.session import in_transaction, upgrade

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 10, 1, 8, tzinfo=timezone.utc)


def feed(series: int) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Stadt//Bench//DE"]
    for n in range(series):
        day = 1 + n % 28
        lines += [
            "BEGIN:VEVENT",
            f"UID:serie-{n}@stadt.example",
            f"SUMMARY:Sprechstunde {n}",
            f"DTSTART;TZID=Europe/Berlin:202610{day:02d}T170000",
            f"DTEND;TZID=Europe/Berlin:202610{day:02d}T180000",
            "RRULE:FREQ=WEEKLY",
            f"EXDATE;TZID=Europe/Berlin:202611{day:02d}T170000",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    args = parser.parse_args()
    data = feed(args.series)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        seconds = []
        for _run in range(3):
            began = time.perf_counter()
            in_transaction(url, lambda s: ics.import_events(
                s, data, tz=BERLIN, feed="bench", now=NOW))  # fmt: skip
            seconds.append(time.perf_counter() - began)
        stored = in_transaction(url, lambda s: s.scalar(select(func.count(Event.id))))
    print(f"series                 {args.series}")
    print(f"dates stored           {stored}")
    print(f"first import (s)       {seconds[0]:.2f}")
    print(f"unchanged import (s)   {statistics.median(seconds[1:]):.2f}")


if __name__ == "__main__":
    main()
