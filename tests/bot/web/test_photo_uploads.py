"""Issue 30.11: a photo waits only for a form that is asking, within budgets
per client address and overall, and waiting photos expire by themselves.

The web app runs on a real database with a stand-in for Rasa: these tests are
about what the web app stores, not about the dialogue.
"""

from __future__ import annotations

import asyncio
import io
import logging
import uuid
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from actions.db import photos
from actions.db.models import Photo, utcnow
from actions.db.session import in_transaction
from bot.server import create_app
from bot.shared.expiry import SWEEP_EVERY
from bot.shared.photos import REFUSALS
from bot.web.app import RASA
from bot.web.errors import BAD_REQUEST
from core.settings import Settings

FORM = "suggestion_form"


def jpeg(seed: int = 0, size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (seed % 256, 80, 40)).save(out, "JPEG")
    return out.getvalue()


class FakeRasa:
    """Answers like Rasa would for the photo turns; remembers the forms."""

    def __init__(self) -> None:
        self.forms: dict[str, str | None] = {}
        self.sent: list[tuple[str, str, dict]] = []

    async def send(self, sender, text, *, input_channel, metadata=None, **_):
        self.sent.append((sender, text, metadata or {}))
        if text.startswith("/attach_photo"):
            return [{"recipient_id": sender, "text": "Danke, das Foto ist dabei."}]
        if text == "Ich möchte einen Vorschlag machen":
            self.forms[sender] = FORM
            return [{"recipient_id": sender, "text": "Beschreiben Sie Ihre Idee."}]
        return [{"recipient_id": sender, "text": "Das klingt nach einer Idee.",
                 "buttons": [{"title": "Ja, einreichen", "payload": "/affirm"}]}]  # fmt: skip

    async def active_form(self, sender):
        return self.forms.get(sender)

    async def is_paused(self, sender):
        return False


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def make_web(aiohttp_client, database_url, tmp_path, rasa, monkeypatch):
    async def make(**env: str):
        settings = Settings.from_env(
            {
                "DATABASE_URL": database_url,
                "SMARTCITY_VAR_DIR": str(tmp_path / "var"),
                "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
                # The test client is the proxy; X-Forwarded-For names the citizen.
                "TRUSTED_PROXIES": "127.0.0.1/32",
                **env,
            }
        )
        app = create_app(settings)
        for name in ("send", "active_form", "is_paused"):
            monkeypatch.setattr(app[RASA], name, getattr(rasa, name), raising=False)
        return await aiohttp_client(app)

    return make


def session_id() -> str:
    return uuid.uuid4().hex


def sender_of(client, session: str) -> str:
    from bot.web.app import CHAT

    return client.server.app[CHAT].sender(session)


async def upload(client, session: str, photo: bytes, *, address="198.51.100.7",
                 caption: str = "") -> tuple[int, dict]:  # fmt: skip
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("session", session)
    form.add_field("caption", caption)
    form.add_field("photo", photo, filename="foto.jpg", content_type="image/jpeg")
    response = await client.post(
        "/api/photos", data=form, headers={"X-Forwarded-For": address}
    )
    return response.status, await response.json()


def in_form(client, rasa: FakeRasa, session: str) -> str:
    rasa.forms[sender_of(client, session)] = FORM
    return session


def waiting(database_url: str) -> int:
    return in_transaction(
        database_url,
        lambda s: s.scalar(
            select(func.count(Photo.id)).where(Photo.suggestion_id.is_(None))
        ),
    )


async def test_a_photo_outside_the_form_is_not_kept(make_web, rasa, database_url):
    """A fresh session stored up to three photos without any form before."""
    web = await make_web()
    status, body = await upload(web, session_id(), jpeg())
    assert status == 409, body
    assert body == {"error": REFUSALS["not_in_form"]}
    assert waiting(database_url) == 0
    assert not [text for _, text, _ in rasa.sent if text.startswith("/attach_photo")]


async def test_a_caption_outside_the_form_is_answered_and_the_photo_stays_with_the_citizen(
    make_web, rasa, database_url
):
    web = await make_web()
    idea = "Am Bahnhof fehlt eine Ladesäule für E-Bikes"
    status, body = await upload(web, session_id(), jpeg(), caption=idea)
    assert status == 200, body
    assert body["photo_kept"] is False
    assert body["messages"][0]["text"] == REFUSALS["not_in_form"]
    assert body["messages"][-1]["buttons"][0]["title"] == "Ja, einreichen"
    assert waiting(database_url) == 0
    assert [text for _, text, _ in rasa.sent] == [idea]  # as typed, no /attach_photo


async def test_a_caption_that_starts_the_form_brings_the_photo_along(
    make_web, rasa, database_url
):
    web = await make_web()
    status, body = await upload(
        web, session_id(), jpeg(), caption="Ich möchte einen Vorschlag machen"
    )
    assert status == 200, body
    assert body["photo_kept"] is True
    assert waiting(database_url) == 1
    assert rasa.sent[-1][1] == "/attach_photo"


async def test_a_photo_while_the_form_asks_is_kept(make_web, rasa, database_url):
    web = await make_web()
    status, body = await upload(web, in_form(web, rasa, session_id()), jpeg())
    assert status == 200, body
    assert body["photo_kept"] is True
    assert waiting(database_url) == 1


async def test_one_address_gets_its_budget_of_photos_and_not_one_more(
    make_web, rasa, database_url, caplog
):
    """Fresh sessions from one address: 80 MB a minute were stored before."""
    web = await make_web(PHOTOS_PER_ADDRESS_PER_HOUR="4")
    sessions = [in_form(web, rasa, session_id()) for _ in range(3)]
    uploads = [sessions[0], sessions[0], sessions[1], sessions[1]]
    for number, session in enumerate(uploads):
        status, body = await upload(web, session, jpeg(number))
        assert status == 200, (number, body)
    with caplog.at_level(logging.WARNING, logger="bot.shared.photo_intake"):
        status, body = await upload(web, sessions[2], jpeg(9))
    assert status == 429, body
    assert body == {"error": REFUSALS["address_budget"]}
    assert waiting(database_url) == 4
    assert "photo budget of one address" in caplog.text
    assert "198.51.100.7" not in caplog.text  # the operator sees a key, not whom
    status, body = await upload(web, sessions[2], jpeg(9), address="203.0.113.5")
    assert status == 200, body


async def test_one_address_gets_its_budget_of_megabytes_and_not_one_byte_more(
    make_web, rasa, database_url
):
    web = await make_web(PHOTO_MB_PER_ADDRESS_PER_HOUR="1")
    noise = Image.effect_noise((700, 700), 120).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "PNG")
    big = out.getvalue()  # re-encoded, about 300 kB of JPEG
    statuses = []
    for _ in range(5):
        status, _body = await upload(web, in_form(web, rasa, session_id()), big)
        statuses.append(status)
    kept = statuses.count(200)
    assert statuses == [200] * kept + [429] * (5 - kept) and 1 <= kept < 5
    stored = in_transaction(
        database_url, lambda s: s.scalar(select(func.sum(func.length(Photo.content))))
    )
    assert stored <= 1024 * 1024


async def test_the_overall_budget_holds_for_a_spray_of_addresses(
    make_web, rasa, database_url, caplog
):
    web = await make_web(PHOTOS_PER_HOUR="3")
    for number in range(3):
        status, body = await upload(web, in_form(web, rasa, session_id()), jpeg(number),
                                    address=f"198.51.100.{number + 1}")  # fmt: skip
        assert status == 200, body
    with caplog.at_level(logging.WARNING, logger="bot.shared.photo_intake"):
        status, body = await upload(web, in_form(web, rasa, session_id()), jpeg(),
                                    address="198.51.100.99")  # fmt: skip
    assert status == 503, body
    assert body == {"error": REFUSALS["overall_budget"]}
    assert "photo budget of everyone" in caplog.text
    assert waiting(database_url) == 3


async def test_one_ipv6_network_is_one_address(make_web, rasa):
    """A /64 is what one household gets; its 2^64 addresses are one client."""
    web = await make_web(PHOTOS_PER_ADDRESS_PER_HOUR="2")
    for number in range(2):
        status, _ = await upload(web, in_form(web, rasa, session_id()), jpeg(),
                                 address=f"2001:db8:1:2::{number + 1}")  # fmt: skip
        assert status == 200
    status, _ = await upload(web, in_form(web, rasa, session_id()), jpeg(),
                             address="2001:db8:1:2:ffff::9")  # fmt: skip
    assert status == 429


def add_waiting(database_url: str, minutes_ago: int) -> None:
    def work(s):
        s.add(Photo(sender_key=uuid.uuid4().hex, content=b"\xff\xd8jpeg",
                    media_type="image/jpeg", width=4, height=3,
                    created_at=utcnow() - timedelta(minutes=minutes_ago)))  # fmt: skip

    in_transaction(database_url, work)


async def test_waiting_photos_expire_within_an_hour_by_themselves(
    make_web, database_url
):
    """Before, only `smartcity retention purge`, by hand or cron, removed them
    after 24 hours."""
    assert timedelta(hours=1) >= photos.PENDING_LIFETIME + SWEEP_EVERY
    add_waiting(database_url, minutes_ago=60)
    add_waiting(database_url, minutes_ago=1)
    await make_web()
    for _ in range(50):
        if waiting(database_url) == 1:
            break
        await asyncio.sleep(0.1)
    assert waiting(database_url) == 1  # the fresh one waits on


async def test_a_part_with_a_broken_header_is_a_german_400(make_web):
    """Found by Schemathesis: a NUL in the name of a part was a 500."""
    web = await make_web()
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="\x19r\x00"\r\n\r\n'
        f"x\r\n--{boundary}--\r\n"
    ).encode("latin-1")
    response = await web.post(
        "/api/photos",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status == 400
    assert await response.json() == {"error": BAD_REQUEST}


async def test_a_caption_that_was_answered_is_shown_with_the_refusal(
    make_web, rasa, database_url
):
    """The caption began the form, then the budget refused the photo: the
    citizen still reads the form's question, after the reason."""
    web = await make_web(PHOTOS_PER_ADDRESS_PER_HOUR="1")
    assert (await upload(web, in_form(web, rasa, session_id()), jpeg()))[0] == 200
    status, body = await upload(
        web, session_id(), jpeg(), caption="Ich möchte einen Vorschlag machen"
    )
    assert status == 200, body
    assert body["photo_kept"] is False
    assert [m["text"] for m in body["messages"]] == [
        REFUSALS["address_budget"],
        "Beschreiben Sie Ihre Idee.",
    ]
    assert waiting(database_url) == 1
