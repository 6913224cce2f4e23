"""The widget API's own errors in English (issue 34): a widget in English adds
`?sprache=en`, and every error the API can say has an English text."""

from __future__ import annotations

import pytest
from aiohttp import web

from bot.shared.photos import REFUSALS
from bot.web import errors
from bot.web.errors import ENGLISH, LEICHT, TOO_FAST
from tests.bot.test_channel_texts_leicht import WEB_TEXTS

GERMAN_ONLY = ("ä", "ö", "ü", "ß", "Bitte", " Sie ", " ich ")


def test_every_error_of_the_widget_api_has_an_english_text():
    assert WEB_TEXTS and set(WEB_TEXTS) <= set(ENGLISH)
    assert set(REFUSALS.values()) <= set(ENGLISH)
    assert set(ENGLISH) == set(LEICHT)


@pytest.mark.parametrize("german", sorted(ENGLISH))
def test_each_english_text_is_english_and_polite(german):
    english = ENGLISH[german]
    assert english != german
    assert not [word for word in GERMAN_ONLY if word in english]
    assert english[0].isupper() and english.endswith((".", "?"))
    assert "please" in english.lower() or english.startswith("Sorry")


@pytest.mark.parametrize(
    "sprache, expected",
    [("en", ENGLISH[TOO_FAST]), ("leicht", LEICHT[TOO_FAST]), ("fr", TOO_FAST)],
)
async def test_the_middleware_keeps_status_and_retry_after(
    aiohttp_client, sprache, expected
):
    async def too_fast(_request: web.Request) -> web.Response:
        return errors.error(429, TOO_FAST, **{"Retry-After": "10"})

    app = web.Application(middlewares=[errors.errors_in_the_widget_language])
    app.router.add_get("/", too_fast)
    client = await aiohttp_client(app)
    response = await client.get(f"/?sprache={sprache}")
    assert response.status == 429
    assert response.headers["Retry-After"] == "10"
    assert (await response.json())["error"] == expected


async def test_a_refused_photo_is_explained_in_english(aiohttp_client):
    async def refused(_request: web.Request) -> web.Response:
        return errors.error(413, REFUSALS["too_big"])

    app = web.Application(middlewares=[errors.errors_in_the_widget_language])
    app.router.add_post("/", refused)
    client = await aiohttp_client(app)
    response = await client.post("/?sprache=en")
    assert response.status == 413
    assert (await response.json())["error"] == ENGLISH[REFUSALS["too_big"]]
