"""Staff see where a suggestion is: the place, its district, a map link; the CSV too."""

from __future__ import annotations

from html import unescape

from core.places import Position
from tests.bot.staff.helpers import add_suggestion, login
from tests.bot.staff.test_export import export


async def test_the_page_shows_place_district_and_a_map_link(client, staff_settings):
    reference = add_suggestion(
        staff_settings,
        "Die Laterne am Stiftsplatz ist seit Wochen aus",
        location="Stiftsplatz",
        position=Position(49.4443, 7.7689),
        district="Innenstadt",
    )
    await login(client, "rudi")
    page = unescape(await (await client.get(f"/staff/suggestions/{reference}")).text())
    assert "<dt>Ort</dt><dd>Stiftsplatz</dd>" in page
    assert "<dt>Stadtteil</dt><dd>Innenstadt</dd>" in page
    assert (
        'href="https://www.openstreetmap.org/?mlat=49.4443&mlon=7.7689'
        '#map=18/49.4443/7.7689"'
    ) in page


async def test_a_typed_place_has_no_map_link(client, staff_settings):
    reference = add_suggestion(
        staff_settings, "Mehr Bänke am Bahnhof bitte", location="Am Bahnhof"
    )
    await login(client, "rudi")
    page = await (await client.get(f"/staff/suggestions/{reference}")).text()
    assert "<dt>Ort</dt><dd>Am Bahnhof</dd>" in page
    assert "openstreetmap" not in page and "Stadtteil" not in page


async def test_the_csv_has_district_and_coordinates(client, staff_settings):
    shared = add_suggestion(
        staff_settings,
        "Ein Schlagloch in der Uni-Straße",
        location="Gesendeter Standort",
        position=Position(49.4241, 7.7525),
        district="Universitätswohnstadt",
    )
    typed = add_suggestion(staff_settings, "Mehr Grün am Markt", location="Markt")
    await login(client, "rudi")
    _type, table = await export(client)
    header = table[0]
    by_reference = {row[0]: row for row in table[1:]}
    columns = [header.index(name) for name in ("Ort", "Stadtteil", "Breitengrad",
                                               "Längengrad")]  # fmt: skip
    assert [by_reference[shared][i] for i in columns] == [
        "Gesendeter Standort", "Universitätswohnstadt", "49,4241", "7,7525"
    ]  # fmt: skip
    assert [by_reference[typed][i] for i in columns] == ["Markt", "", "", ""]


async def test_staff_pages_may_not_ask_for_a_position(client, staff_settings):
    await login(client, "rudi")
    response = await client.get("/staff/suggestions")
    assert response.headers["Permissions-Policy"].endswith("geolocation=()")
