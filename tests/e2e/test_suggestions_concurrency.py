"""200 citizens hand in suggestions at once: no loss, no duplicate reference.

Also records the time from sending the confirmation to the stored row
(reports/suggestions-concurrency-<backend>.json).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import uuid
from datetime import datetime, timezone

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.db.models import Suggestion
from actions.db.session import get_engine
from core.settings import PROJECT_ROOT
from tests.e2e.assistant import start
from tests.e2e.chat import REFERENCE, joined, say
from tests.helpers import temporary_postgres_database

CONVERSATIONS = 200


@pytest.fixture(scope="module")
def postgres_assistant(tmp_path_factory):
    with temporary_postgres_database() as url:
        # One PostgreSQL database for the city's tables and Rasa's (issue 13).
        running = start(
            tmp_path_factory.mktemp("pg"), {"DATABASE_URL": url}, one_database=True
        )
        try:
            yield running
        finally:
            assert running.stop() == 0
            get_engine(url).dispose()


async def one_citizen(http, webhook: str, run: str, number: int):
    sender = f"{run}-{number}"
    idea = f"Ich schlage vor, im Park {number} mehr Bäume zu pflanzen ({run})"
    for text in ("Ich möchte einen Vorschlag machen", idea, '/inform{"topic":"Mobilität"}',
                 '/inform{"choice":"skip"}', '/inform{"choice":"none"}',
                 '/inform{"choice":"private"}'):  # fmt: skip
        await say(http, webhook, sender, text)
    sent = datetime.now(timezone.utc)
    reply = joined(await say(http, webhook, sender, "/affirm"))
    match = REFERENCE.search(reply)
    assert match, f"{sender}: no reference in {reply!r}"
    return match.group(0), sent


async def run_in_parallel(assistant, backend: str) -> None:
    run = uuid.uuid4().hex[:8]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        results = await asyncio.gather(
            *(
                one_citizen(http, assistant.webhook, run, n)
                for n in range(CONVERSATIONS)
            )
        )
    sent_at = dict(results)
    with Session(get_engine(assistant.database_url), future=True) as session:
        stored = session.scalars(
            select(Suggestion).where(Suggestion.text.like(f"%({run})"))
        ).all()
    assert len(stored) == CONVERSATIONS
    assert len({s.reference for s in stored}) == CONVERSATIONS
    assert {s.reference for s in stored} == set(sent_at)

    delays_ms = [
        (s.created_at - sent_at[s.reference]).total_seconds() * 1000 for s in stored
    ]
    figures = {
        "backend": backend,
        "conversations": CONVERSATIONS,
        "rows": len(stored),
        "lost": CONVERSATIONS - len(stored),
        "confirm_to_row_ms_median": statistics.median(delays_ms),
        "confirm_to_row_ms_p95": statistics.quantiles(delays_ms, n=20)[18],
    }
    report = PROJECT_ROOT / "reports" / f"suggestions-concurrency-{backend}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(figures, indent=2) + "\n")
    print(figures)


async def test_200_parallel_suggestions_on_sqlite(assistant):
    await run_in_parallel(assistant, "sqlite")


@pytest.mark.postgres
async def test_200_parallel_suggestions_on_postgres(postgres_assistant):
    await run_in_parallel(postgres_assistant, "postgres")
