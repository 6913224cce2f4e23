"""The bad-input catalogue of uploads and supports, over the real assistant.

Photo bombs of each accepted format, a flood of waiting photos and a flood of
supports from one client address: each gets an exact outcome (a German
`error` or answer, nothing stored beyond its budget), and another citizen's
question sent meanwhile is answered within two seconds. The web app runs
in-process on the assistant's database, secret and Rasa, with budgets of its
own; X-Forwarded-For (from a trusted proxy) gives each test its own address.
tests/bench/bench_photo_bombs.py measures memory and answer times of the bombs.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import struct
import time
import uuid
from collections.abc import Callable, Iterator

import aiohttp
import pytest
from PIL import Image
from sqlalchemy import func, select

from actions.db import review
from actions.db import suggestions as store
from actions.db.models import Photo, Support, utcnow
from actions.db.session import in_transaction
from bot.shared.photos import REFUSALS, decoded_bytes
from bot.web.app import CHAT, SETTINGS
from core.secret_key import sender_key
from tests.e2e.test_bad_input import NORMAL, NORMAL_ANSWER
from tests.helpers import template_text

CITIZEN_SECONDS = 2.0
START_FORM = "Ich möchte einen Vorschlag machen"
PHOTOS_PER_ADDRESS = 4
SUPPORTS_PER_ADDRESS = 10  # the action server's default (SUPPORTS_PER_ADDRESS_PER_DAY)
addresses = (f"198.51.100.{number}" for number in itertools.count(10))


def encoded(image: Image.Image, kind: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def giant_jpeg() -> bytes:
    """A real JPEG whose frame header claims 60,000 x 60,000 pixels."""
    data = bytearray(encoded(Image.new("RGB", (16, 16)), "JPEG"))
    frame = data.index(b"\xff\xc0") + 5  # marker, length, precision
    data[frame : frame + 4] = struct.pack(">HH", 60_000, 60_000)
    return bytes(data)


def giant_bmp() -> bytes:
    data = bytearray(encoded(Image.new("RGB", (16, 16)), "BMP"))
    data[18:26] = struct.pack("<ii", 60_000, 60_000)
    return bytes(data)


# name: (a few kB to a few hundred kB that decode to far more, expected outcome).
# Outcome: a refusal's reason, or "kept" (decoded within the memory budget).
BOMBS: dict[str, tuple[Callable[[], bytes], str]] = {
    "png rgba over budget": (lambda: encoded(Image.new("RGBA", (4300, 4300)), "PNG"), "too_many_pixels"),
    "png rgb at budget": (lambda: encoded(Image.new("RGB", (4890, 4890), (200, 30, 30)), "PNG"), "kept"),
    "webp rgba over budget": (lambda: encoded(Image.new("RGBA", (4300, 4300)), "WEBP", lossless=True), "too_many_pixels"),
    "jpeg 24 mp flat": (lambda: encoded(Image.new("RGB", (6000, 4000), (200, 30, 30)), "JPEG", quality=70), "kept"),
    "jpeg giant header": (giant_jpeg, "too_many_pixels"),
    "gif 40 mp": (lambda: encoded(Image.new("P", (6300, 6300)), "GIF"), "kept"),
    "tiff deflate rgba over budget": (lambda: encoded(Image.new("RGBA", (4300, 4300)), "TIFF", compression="tiff_deflate"), "too_many_pixels"),
    "bmp giant header": (giant_bmp, "too_many_pixels"),
}  # fmt: skip


def small_jpeg(seed: int = 0) -> bytes:
    return encoded(Image.new("RGB", (64, 48), (seed % 256, 90, 30)), "JPEG")


@pytest.fixture
async def web(assistant, make_client):
    """The web app on the assistant's database and secret, with its own budgets."""
    client = await make_client(
        DATABASE_URL=assistant.database_url,
        SMARTCITY_VAR_DIR=str(assistant.workdir / "var"),
        TRUSTED_PROXIES="127.0.0.1/32",
        WEB_ADDRESS_PER_MINUTE="100000",
        WEB_CHAT_PER_MINUTE="1000",
        PHOTOS_PER_ADDRESS_PER_HOUR=str(PHOTOS_PER_ADDRESS),
    )
    client.database_url = assistant.database_url
    client.settings = client.server.app[SETTINGS]
    client.sender = client.server.app[CHAT].sender
    return client


async def chat(web, session: str, message: str, address: str) -> tuple[int, dict]:
    response = await web.post(
        "/api/chat",
        json={"session": session, "message": message},
        headers={"X-Forwarded-For": address},
    )
    return response.status, await response.json()


async def upload(web, session: str, photo: bytes, address: str) -> tuple[int, dict]:
    form = aiohttp.FormData()
    form.add_field("session", session)
    form.add_field("photo", photo, filename="foto.jpg", content_type="image/jpeg")
    response = await web.post(
        "/api/photos", data=form, headers={"X-Forwarded-For": address}
    )
    return response.status, await response.json()


async def in_form(web, address: str) -> str:
    session = uuid.uuid4().hex
    status, body = await chat(web, session, START_FORM, address)
    assert status == 200 and "Beschreiben Sie Ihre Idee" in body["messages"][0]["text"]
    return session


async def citizen_beside(web, attack) -> tuple[object, float]:
    """Run `attack` while another citizen asks a question; the attack's result
    and the citizen's answer time."""

    async def ask() -> float:
        await asyncio.sleep(0.05)  # the attack is on its way first
        began = time.monotonic()
        status, body = await chat(web, uuid.uuid4().hex, NORMAL, "203.0.113.50")
        assert status == 200 and NORMAL_ANSWER in body["messages"][0]["text"]
        return time.monotonic() - began

    return await asyncio.gather(attack, ask())


def photos_of(web, *sessions: str) -> list[tuple[int, int]]:
    keys = [sender_key(web.sender(s), web.settings) for s in sessions]
    return in_transaction(
        web.database_url,
        lambda s: s.execute(
            select(Photo.width, Photo.height).where(Photo.sender_key.in_(keys))
        ).all(),
    )


@pytest.mark.parametrize("name", BOMBS)
async def test_a_photo_bomb_gets_its_exact_outcome_and_the_city_goes_on(web, name):
    build, outcome = BOMBS[name]
    bomb = build()
    assert len(bomb) < 400_000
    address = next(addresses)
    session = await in_form(web, address)
    (status, body), seconds = await citizen_beside(
        web, upload(web, session, bomb, address)
    )
    stored = photos_of(web, session)
    if outcome == "kept":
        assert status == 200, body
        assert "Danke, das Foto ist dabei (1 von 3)." in body["messages"][0]["text"]
        [(width, height)] = stored
        assert max(width, height) == 2048
    else:
        assert (status, body) == (400, {"error": REFUSALS[outcome]})
        assert stored == []
    assert seconds < CITIZEN_SECONDS


def test_the_bombs_that_are_kept_are_decoded_within_the_memory_budget():
    from bot.shared.photos import MAX_DECODED_BYTES

    for name, (build, outcome) in BOMBS.items():
        if outcome != "kept":
            continue
        with Image.open(io.BytesIO(build())) as image:
            if image.format == "JPEG":
                image.draft("RGB", (2048, 2048))
            assert decoded_bytes(image) <= MAX_DECODED_BYTES, name


async def test_photos_outside_a_form_are_not_kept(web):
    address = next(addresses)
    sessions = [uuid.uuid4().hex for _ in range(6)]
    results, seconds = await citizen_beside(
        web,
        asyncio.gather(*(upload(web, s, small_jpeg(), address) for s in sessions)),
    )
    assert [status for status, _ in results] == [409] * 6, results
    assert all(body == {"error": REFUSALS["not_in_form"]} for _, body in results)
    assert photos_of(web, *sessions) == []
    assert seconds < CITIZEN_SECONDS


async def test_a_flood_of_waiting_photos_stops_at_the_budget_of_its_address(web):
    """Fresh sessions from one address stored about 80 MB a minute before."""
    address = next(addresses)
    sessions = [await in_form(web, address) for _ in range(3)]
    flood = [(s, small_jpeg(n)) for n, s in enumerate(sessions * 3)]  # 9 photos
    results, seconds = await citizen_beside(
        web, asyncio.gather(*(upload(web, s, p, address) for s, p in flood))
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * PHOTOS_PER_ADDRESS + [429] * 5, results
    refusals = {body["error"] for status, body in results if status == 429}
    assert refusals == {REFUSALS["address_budget"]}
    assert len(photos_of(web, *sessions)) == PHOTOS_PER_ADDRESS
    assert seconds < CITIZEN_SECONDS
    other = await in_form(web, next(addresses))
    assert (await upload(web, other, small_jpeg(), "203.0.113.77"))[0] == 200


@pytest.fixture
def published(web) -> Iterator[tuple[str, int]]:
    """Published for this test only: the other e2e tests share the database
    (the board lists it, and the form would offer it as a similar idea)."""
    new = store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="web",
                              sender_key=uuid.uuid4().hex,
                              text="Eine Rutsche für den Spielplatz am Schlossberg",
                              topic="Stadtentwicklung", public_consent_at=utcnow())  # fmt: skip

    def work(s):
        suggestion, _ = store.create(s, new, daily_limit=5)
        review.publish(s, suggestion.reference, "Rutsche am Schlossberg", actor="anna")
        return suggestion.reference, suggestion.id

    reference, suggestion_id = in_transaction(web.database_url, work)
    yield reference, suggestion_id
    in_transaction(
        web.database_url, lambda s: review.delete(s, reference, actor="anna")
    )


async def test_a_flood_of_supports_stops_at_the_daily_limit_of_its_address(
    web, published
):
    """A new web session cost nothing: one address added about 60 a minute."""
    reference, suggestion_id = published
    address = next(addresses)
    flood = SUPPORTS_PER_ADDRESS + 4
    results, seconds = await citizen_beside(
        web,
        asyncio.gather(
            *(
                chat(web, uuid.uuid4().hex, f"Ich unterstütze {reference}", address)
                for _ in range(flood)
            )
        ),
    )
    texts = [body["messages"][0]["text"] for status, body in results if status == 200]
    assert len(texts) == flood
    backed = [t for t in texts if t.startswith("Danke! Sie unterstützen jetzt")]
    assert len(backed) == SUPPORTS_PER_ADDRESS, texts
    assert (
        texts.count(template_text("tpl_support_address_limit"))
        == flood - SUPPORTS_PER_ADDRESS
    )
    count = in_transaction(
        web.database_url,
        lambda s: s.scalar(
            select(func.count(Support.id)).where(Support.suggestion_id == suggestion_id)
        ),
    )
    assert count == SUPPORTS_PER_ADDRESS
    assert seconds < CITIZEN_SECONDS
    status, body = await chat(web, uuid.uuid4().hex, f"Ich unterstütze {reference}",
                              next(addresses))  # fmt: skip
    assert status == 200
    assert body["messages"][0]["text"].startswith("Danke! Sie unterstützen jetzt")
