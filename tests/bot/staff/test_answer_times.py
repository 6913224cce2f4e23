"""How fast the team answers (issue 36.4): the figures on the dashboard and
the suggestions past their usual time marked in the inbox."""

from __future__ import annotations

import re
from datetime import timedelta

from actions.db import suggestions
from actions.db.models import utcnow
from actions.db.session import in_transaction
from tests.bot.staff.helpers import add_suggestion, login

DAY = timedelta(days=1)


def answered(settings, topic: str, after_days: list[float]) -> None:
    """Suggestions handed in 20 days ago, each answered after `after_days`."""
    start = utcnow() - 20 * DAY
    for n, after in enumerate(after_days):
        reference = add_suggestion(
            settings, f"Idee {topic} {n}", topic=topic, now=start
        )
        in_transaction(settings.database_url, lambda s, r=reference, a=after: (
            suggestions.change_status(s, suggestions.by_reference(s, r), "in_pruefung",
                                      actor="anna", public_note="Danke!",
                                      now=start + a * DAY)))  # fmt: skip


def row_of(page: str, reference: str) -> str:
    return next(r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if reference in r)


async def test_the_dashboard_says_when_nothing_was_answered(client):
    await login(client, "rudi")
    page = await (await client.get("/staff")).text()
    assert "hat das Team noch keinen Vorschlag beantwortet" in page


async def test_the_dashboard_shows_the_usual_times_per_topic_and_overall(
    client, staff_settings
):
    answered(staff_settings, "Mobilität", [1, 2, 3, 4, 5])
    answered(staff_settings, "Verwaltung", [0.5, 0.5])
    await login(client, "rudi")
    page = await (await client.get("/staff")).text()
    section = page[page.index("Wie schnell das Team antwortet") :]
    cells = re.compile(r"<t[hd][^>]*>([^<]*)</t[hd]>")
    rows = [cells.findall(row) for row in re.findall(r"<tr>.*?</tr>", section, re.S)]
    assert rows[1:4] == [
        ["Alle Themen", "2 Tagen", "2,0 Tage", "7"],
        ["Mobilität", "3 Tagen", "3,0 Tage", "5"],
        ["Verwaltung", "zu wenige Fälle", "2"],
    ]


async def test_the_inbox_marks_suggestions_waiting_longer_than_usual(
    client, staff_settings
):
    answered(staff_settings, "Mobilität", [1, 2, 3, 4, 5])  # 3 days
    now = utcnow()
    late = add_suggestion(staff_settings, "Seit 4 Tagen offen", now=now - 4 * DAY)
    fresh = add_suggestion(staff_settings, "Seit gestern offen", now=now - DAY)
    other = add_suggestion(staff_settings, "Anderes Thema", topic="Verwaltung",
                           now=now - 4 * DAY)  # fmt: skip
    await login(client, "rudi")
    page = await (await client.get("/staff/suggestions")).text()
    assert page.count(">überfällig<") == 2
    assert 'title="Länger ohne Antwort als meist (3 Tage)"' in row_of(page, late)
    # Verwaltung has no figure of its own: the overall one counts.
    assert ">überfällig<" in row_of(page, other)
    assert ">überfällig<" not in row_of(page, fresh)

    in_transaction(staff_settings.database_url, lambda s: suggestions.change_status(
        s, suggestions.by_reference(s, late), "in_pruefung", actor="anna",
        public_note="Wir schauen uns das an."))  # fmt: skip
    page = await (await client.get("/staff/suggestions")).text()
    assert ">überfällig<" not in row_of(page, late)
