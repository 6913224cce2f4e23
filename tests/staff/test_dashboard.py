"""The dashboard: charts drawn on the server and the questions without answer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.staff.helpers import add_suggestion, login, store_messages


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
    out = "utter_out_of_scope"
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
