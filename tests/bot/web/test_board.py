"""The public board: only published suggestions, only their public parts;
filters, sorting, stable addresses, escaping and bad query values."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html import unescape

from actions.db import review, supports
from actions.db import suggestions as store
from actions.db.models import utcnow
from actions.db.session import in_transaction

SCRIPT = '<script>alert("x")</script>'


def add(settings, text, title, *, topic="Mobilität", district=None, publish=True,
        supporters=0, status=None, reply=None, days_ago=0):  # fmt: skip

    def work(s):
        new = store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="web",
                                  sender_key=uuid.uuid4().hex, text=text, topic=topic,
                                  district=district, email="geheim@example.org",
                                  email_consent_at=utcnow(),
                                  public_consent_at=utcnow())  # fmt: skip
        suggestion, _ = store.create(s, new, daily_limit=5)
        if publish:
            review.publish(s, suggestion.reference, title, actor="anna")
            suggestion.published_at = utcnow() - timedelta(days=days_ago)
        for number in range(supporters):
            supports.add(s, suggestion.reference, f"fan-{number}", channel="web")
        if status:
            store.change_status(s, suggestion, status, actor="anna", public_note=reply,
                                public_note_on_board=True,
                                internal_note="nur intern")  # fmt: skip
        return suggestion.reference

    return in_transaction(settings.database_url, work)


def titles(page: str) -> list[str]:
    return [
        unescape(t)
        for t in re.findall(r'<h2><a href="/vorschlaege/[^"]+">([^<]+)</a>', page)
    ]


async def board(client, query: str = "") -> str:
    response = await client.get(f"/vorschlaege{query}")
    assert response.status == 200
    assert "Content-Security-Policy" in response.headers
    return await response.text()


async def test_only_published_suggestions_and_only_their_public_parts(
    client, web_settings
):
    shown = add(web_settings, "Mein Name ist Erika, Zebrastreifen bitte", "Zebrastreifen Kotten",
                district="Kotten", status="in_pruefung", reply="Wir prüfen das.")  # fmt: skip
    hidden = add(web_settings, "Nicht öffentlich bitte", "Intern", publish=False)
    page = await board(client)
    assert titles(page) == ["Zebrastreifen Kotten"]
    assert hidden not in page and "Erika" not in page and "geheim@" not in page
    entry = unescape(await (await client.get(f"/vorschlaege/{shown}")).text())
    assert (
        "Zebrastreifen Kotten" in entry and "in Prüfung" in entry and "Kotten" in entry
    )
    assert "Wir prüfen das." in entry
    assert "nur intern" not in entry and "Erika" not in entry and "geheim@" not in entry
    assert (await client.get(f"/vorschlaege/{hidden}")).status == 404


async def test_filters_and_sorting(client, web_settings):
    add(
        web_settings,
        "a",
        "Bänke im Park",
        topic="Stadtentwicklung",
        supporters=1,
        days_ago=1,
    )
    add(
        web_settings,
        "b",
        "Radweg Lauter",
        district="Hohenecken",
        supporters=3,
        days_ago=3,
    )
    add(web_settings, "c", "Ladesäulen Bahnhof", district="Innenstadt", days_ago=0)
    assert titles(await board(client)) == [
        "Ladesäulen Bahnhof",
        "Bänke im Park",
        "Radweg Lauter",
    ]
    assert titles(await board(client, "?sortierung=unterstuetzt")) == [
        "Radweg Lauter", "Bänke im Park", "Ladesäulen Bahnhof"
    ]  # fmt: skip
    assert titles(await board(client, "?thema=Mobilit%C3%A4t")) == [
        "Ladesäulen Bahnhof", "Radweg Lauter"
    ]  # fmt: skip
    assert titles(await board(client, "?stadtteil=Hohenecken")) == ["Radweg Lauter"]
    page = await board(client, "?stadtteil=Hohenecken")
    assert "1 Vorschlag" in page and "3-mal unterstützt" in page


async def test_bad_query_values_are_ignored(client, web_settings):
    add(web_settings, "a", "Bänke im Park")
    for query in (
        "?seite=abc",
        "?seite=-5",
        "?seite=99999999999999999999",
        "?thema=%00",
        "?status=geheim",
        "?sortierung=DROP%20TABLE",
        "?stadtteil=" + "x" * 5000,
    ):
        assert titles(await board(client, query)) in (["Bänke im Park"], []), query


async def test_titles_are_escaped_and_addresses_are_canonical(client, web_settings):
    reference = add(web_settings, "a", f"Bänke {SCRIPT} bitte")
    page = await board(client)
    assert SCRIPT not in page and "&lt;script&gt;" in page
    lower = await client.get(f"/vorschlaege/{reference.lower()}", allow_redirects=False)
    assert (
        lower.status == 301 and lower.headers["Location"] == f"/vorschlaege/{reference}"
    )
    assert (await client.get("/vorschlaege/V-0000-0000")).status == 404
    assert (await client.get("/vorschlaege/%3Cscript%3E")).status == 404


async def test_page_views_count_against_the_address_budget(
    aiohttp_client, database_url, tmp_path
):
    from bot.server import create_app
    from core.settings import Settings

    settings = Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "SMARTCITY_VAR_DIR": str(tmp_path / "var"),
            "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
            "WEB_ADDRESS_PER_MINUTE": "3",
        }
    )
    client = await aiohttp_client(create_app(settings))
    reference = add(settings, "Bitte Bänke", "Bänke am Rathaus")
    for path in ("/vorschlaege", f"/vorschlaege/{reference}", "/vorschlaege?seite=2"):
        assert (await client.get(path)).status == 200
    refused = await client.get(f"/vorschlaege/{reference}")
    assert refused.status == 429 and refused.headers["Retry-After"] == "10"
    assert "Zu viele Seitenaufrufe" in await refused.text()
    english = await client.get("/vorschlaege?sprache=en")
    assert english.status == 429
    assert "Too many page views" in await english.text()
