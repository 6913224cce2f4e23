"""Staff see a suggestion's photos behind the login; the CSV counts them."""

from __future__ import annotations

import io
import re
import uuid

from PIL import Image

from actions.db import photos
from actions.db.models import utcnow
from actions.db.session import in_transaction
from bot.shared.photos import clean_photo
from tests.bot.staff.helpers import add_suggestion, login, post_form
from tests.bot.staff.test_export import export

PHOTO_SRC = re.compile(r'<img src="(/staff/suggestions/[^"]+/photos/\d+)"')


def with_photos(
    settings, count: int, text: str = "Ein Schlagloch vor der Schule"
) -> str:
    sender = uuid.uuid4().hex
    for index in range(count):
        image = Image.new("RGB", (320 + index, 240), (10 * index, 90, 160))
        out = io.BytesIO()
        image.save(out, "PNG")
        photo = clean_photo(out.getvalue())
        in_transaction(
            settings.database_url,
            lambda s, photo=photo: photos.add_pending(
                s, sender, content=photo.content, media_type=photo.media_type,
                width=photo.width, height=photo.height, now=utcnow(),
            ),
        )  # fmt: skip
    return add_suggestion(settings, text, sender_key=sender)


async def test_the_suggestion_page_shows_its_photos_as_images(client, staff_settings):
    reference = with_photos(staff_settings, 2)
    await login(client, "rudi")
    page = await (await client.get(f"/staff/suggestions/{reference}")).text()
    assert "Fotos (2)" in page
    sources = PHOTO_SRC.findall(page)
    assert len(sources) == 2 and all(reference in src for src in sources)

    response = await client.get(sources[0])
    assert response.status == 200
    assert response.content_type == "image/jpeg"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers
    assert Image.open(io.BytesIO(await response.read())).size == (320, 240)


async def test_a_photo_only_opens_under_its_own_suggestion(client, staff_settings):
    first = with_photos(staff_settings, 1)
    other = with_photos(staff_settings, 1, text="Ein anderer Vorschlag mit Foto")
    await login(client, "rudi")
    page = await (await client.get(f"/staff/suggestions/{first}")).text()
    photo_id = PHOTO_SRC.findall(page)[0].rsplit("/", 1)[1]
    wrong = await client.get(f"/staff/suggestions/{other}/photos/{photo_id}")
    assert wrong.status == 404
    assert "Dieses Foto gibt es nicht" in await wrong.text()


async def test_the_csv_says_how_many_photos_there_are(client, staff_settings):
    reference = with_photos(staff_settings, 3)
    plain = add_suggestion(staff_settings, "Ohne Foto, nur Text")
    await login(client, "rudi")
    _, table = await export(client)
    column = table[0].index("Fotos")
    counts = {row[0]: row[column] for row in table[1:]}
    assert counts == {reference: "3", plain: "0"}


async def test_deleting_the_suggestion_deletes_its_photos(client, staff_settings):
    reference = with_photos(staff_settings, 2)
    await login(client)  # an admin
    response = await post_form(
        client,
        f"/staff/suggestions/{reference}/delete",
        {"confirm": "1"},
        page=f"/staff/suggestions/{reference}",
    )
    assert response.status == 303
    left = in_transaction(
        staff_settings.database_url, lambda s: photos.counts(s), read_only=True
    )
    assert left == {}
