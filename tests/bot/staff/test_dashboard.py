"""The dashboard: charts drawn on the server and the questions without answer."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from actions.db import ratings
from actions.db.models import AnswerRating
from actions.db.session import in_transaction
from tests.bot.staff.helpers import add_suggestion, login, store_messages


async def test_dashboard_shows_charts_and_tables(client, staff_settings):
    now = datetime.now(timezone.utc)
    add_suggestion(staff_settings, "Idee A", topic="Mobilität", now=now)
    add_suggestion(
        staff_settings, "Idee B", topic="Mobilität", now=now - timedelta(days=7)
    )
    add_suggestion(staff_settings, "Idee C", topic="Verwaltung", now=now)
    await login(client, "rudi")
    page = await (await client.get("/staff")).text()
    for chart in ("woche", "thema", "status"):
        assert f'src="/staff/charts/{chart}.svg"' in page
    assert "<td>Mobilität</td><td>2</td>" in page
    assert "<td>eingegangen</td><td>3</td>" in page
    week = now.astimezone(staff_settings.tz).isocalendar()[1]
    assert f"<td>KW {week}</td><td>2</td>" in page

    response = await client.get("/staff/charts/thema.svg")
    svg = await response.text()
    assert response.content_type == "image/svg+xml"
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "Mobilität" in svg and "<script" not in svg
    assert (await client.get("/staff/charts/unbekannt.svg")).status == 404


async def test_dashboard_lists_the_most_frequent_unanswered_messages(
    client, staff_settings
):
    url = staff_settings.tracker_store_url
    out = "action_out_of_scope"
    await store_messages(
        url,
        "a",
        [
            ("Wann ist Sperrmüll?", "out_of_scope", out),
            ("Hallo", "greet", "utter_greet"),
        ],
    )
    await store_messages(
        url,
        "b",
        [
            ("wann ist sperrmüll", "out_of_scope", out),
            ("Wo parke ich <b>gratis</b>?", "nlu_fallback", "utter_fallback"),
            # An answer inside the suggestion form is no unanswered question.
            ("Stiftsplatz", "nlu_fallback", "suggestion_form"),
        ],
    )
    await store_messages(
        url,
        "c",
        [
            ("Wann ist Sperrmüll ?!", "out_of_scope", out),
            ("/affirm", "nlu_fallback", "utter_fallback"),
        ],
    )
    await login(client)
    page = await (await client.get("/staff")).text()
    section = page[page.index("Fragen ohne Antwort") :]
    # Case, spacing and end punctuation do not split a question.
    assert '<td class="text">Wann ist Sperrmüll?</td><td>3</td>' in section
    assert "Wo parke ich &lt;b&gt;gratis&lt;/b&gt;?</td><td>1</td>" in section
    for answered in ("Hallo", "Stiftsplatz", "/affirm"):
        assert answered not in section


async def test_dashboard_without_any_conversation_yet(client, staff_settings):
    await login(client)
    page = await (await client.get("/staff")).text()
    assert "Bisher keine." in page
    assert not (staff_settings.var_dir / "tracker.db").exists()
    assert "noch niemand eine Antwort bewertet" in page


def rated(settings, offer: str, response: str, rating: str, at: datetime) -> None:
    def work(session):
        ratings.rate(session, ratings.NewRating(
            offer, "Frage", "faq", response, "web", rating))  # fmt: skip
        session.execute(
            update(AnswerRating)
            .where(AnswerRating.offer_id == offer)
            .values(created_at=at)
        )

    in_transaction(settings.database_url, work)


async def test_the_share_of_thumbs_up_per_answer_and_week(client, staff_settings):
    now = datetime.now(timezone.utc)
    last_week = now - timedelta(days=7)
    for offer, response, rating, at in [
        ("a", "utter_faq/cdo", "up", now), ("b", "utter_faq/cdo", "up", now),
        ("c", "utter_faq/cdo", "down", now), ("d", "utter_faq/cdo", "down", last_week),
        ("e", "action_list_events", "up", last_week),
        ("f", "action_list_events", "up", now - timedelta(days=400)),
    ]:  # fmt: skip
        rated(staff_settings, offer, response, rating, at)
    await login(client, "rudi")
    page = await (await client.get("/staff")).text()
    table = page[page.index('id="h-ratings"') : page.index('id="h-unanswered"')]
    cdo = table[table.index("FAQ „cdo“") :].split("</tr>")[0]
    # Eight weeks, oldest first: last week 0 % of 1, this week 67 % of 3.
    cells = re.findall(r"<td>([^<]*)</td>", cdo)
    assert cells[0] == "faq" and cells[-3:] == ["0 % (1)", "67 % (3)", "50 % (4)"]
    assert cells[1:-3] == ["–"] * 6
    events = table[table.index("Terminliste") :].split("</tr>")[0]
    assert re.findall(r"<td>([^<]*)</td>", events)[-3:] == [
        "100 % (1)",
        "–",
        "100 % (1)",
    ]
    assert "Alle Antworten" in table and "60 % (5)" in table

    response = await client.get("/staff/charts/bewertung.svg")
    assert response.status == 200 and response.content_type == "image/svg+xml"
    assert "<script" not in await response.text()
