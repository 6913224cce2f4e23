"""The CSV export: Excel-friendly, filtered, safe against formulas, contact for admins."""

from __future__ import annotations

import csv
import io

from bot.staff.export import neutralise
from tests.bot.staff.helpers import add_suggestion, login


def rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


async def export(client, query: str = "") -> tuple[str, list[list[str]]]:
    response = await client.get(f"/staff/suggestions.csv?{query}")
    assert response.status == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return response.content_type, rows(await response.read())


async def test_export_is_csv_with_header_in_utf8_for_excel(client, staff_settings):
    reference = add_suggestion(
        staff_settings,
        "Grünflächen: „mehr Bäume“ für Käfertal",
        topic="Umwelt und Energie",
    )
    await login(client, "rudi")
    content_type, table = await export(client)
    assert content_type == "text/csv"
    assert table[0][:3] == ["Referenz", "Eingegangen", "Status"]
    assert table[1][0] == reference
    assert "Grünflächen: „mehr Bäume“ für Käfertal" in table[1]


async def test_export_follows_the_filter(client, staff_settings):
    bus = add_suggestion(staff_settings, "Busse öfter", topic="Mobilität")
    add_suggestion(staff_settings, "WLAN im Park", topic="Infrastruktur")
    await login(client)
    _, table = await export(client, "thema=Mobilit%C3%A4t")
    assert [row[0] for row in table[1:]] == [bus]


async def test_formulas_are_neutralised(client, staff_settings):
    payloads = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)"]
    for payload in payloads:
        add_suggestion(staff_settings, payload, location="=cmd|' /C calc'!A0")
    await login(client)
    _, table = await export(client)
    texts = {row[-3] for row in table[1:]}  # admins get two contact columns after text
    assert texts == {"'" + p for p in payloads}
    assert all(row[4] == "'=cmd|' /C calc'!A0" for row in table[1:])
    assert neutralise("Normaler Text - mit Strich") == "Normaler Text - mit Strich"
    assert neutralise(None) == ""


async def test_script_text_stays_plain_text_in_csv(client, staff_settings):
    add_suggestion(staff_settings, '<script>alert("x")</script>')
    await login(client)
    response = await client.get("/staff/suggestions.csv")
    assert response.content_type == "text/csv"  # never rendered as HTML
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    table = rows(await response.read())
    assert table[1][table[0].index("Text")] == '<script>alert("x")</script>'


async def test_contact_data_only_for_admins(client, staff_settings):
    add_suggestion(
        staff_settings,
        "Bitte Rückmeldung",
        email="buerger@example.org",
        reply_to="web:abc",
    )
    await login(client, "rudi")
    _, reviewer = await export(client)
    assert "E-Mail" not in reviewer[0]
    assert not any("buerger@example.org" in cell for row in reviewer for cell in row)
    await login(client, "anna")
    _, admin = await export(client)
    assert admin[0][-2:] == ["Antwort an (Chat)", "E-Mail"]
    assert admin[1][-1] == "buerger@example.org"
