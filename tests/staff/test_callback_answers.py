"""Issue 30.13: a callback request is answered once per page the staff saw.
Two members (or a double click) on the same unanswered request sent the
citizen two answers, and the second overwrote the first on the staff page."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from actions.db import callbacks
from actions.db.models import Notification
from actions.db.session import in_transaction
from bot.server import create_app
from tests.staff.helpers import CSRF, login

SEEN = re.compile(r'name="answered" value="([^"]*)"')


def new_request(settings) -> str:
    return in_transaction(settings.database_url, lambda s: callbacks.create(
        s, callbacks.NewCallback(channel="web", sender_key="s" * 64,
                                 text="Die Ampel ist kaputt.", reply_to="web:abc"),
    ).reference)  # fmt: skip


async def open_page(client, reference: str) -> dict[str, str]:
    """The answer form's hidden fields, as the browser holds them."""
    page = await (await client.get(f"/staff/callbacks/{reference}")).text()
    seen = SEEN.search(page)
    return {"csrf_token": CSRF.search(page).group(1),
            **({"answered": unescape(seen.group(1))} if seen else {})}  # fmt: skip


async def answer(client, reference: str, form: dict, text: str) -> str:
    response = await client.post(f"/staff/callbacks/{reference}/answer",
                                 data={**form, "text": text}, allow_redirects=False)  # fmt: skip
    assert response.status == 303
    return unescape(await (await client.get(response.headers["Location"])).text())


def answers_sent(settings) -> list[str]:
    return in_transaction(
        settings.database_url,
        lambda s: list(s.scalars(select(Notification.text).order_by(Notification.id))),
    )


async def test_two_members_answering_at_once_send_one_answer(
    client, aiohttp_client, staff_settings
):
    reference = new_request(staff_settings)
    other = await aiohttp_client(create_app(staff_settings))
    await login(client, "anna")
    await login(other, "rudi")
    annas_page, rudis_page = (await open_page(client, reference),
                              await open_page(other, reference))  # fmt: skip
    await answer(client, reference, annas_page, "Wir schicken morgen jemanden.")
    shown = await answer(other, reference, rudis_page, "Ist schon repariert.")
    sent = answers_sent(staff_settings)
    assert len(sent) == 1, sent
    assert sent[0].endswith("Wir schicken morgen jemanden.")
    assert "Inzwischen hat jemand aus dem Team geantwortet" in shown
    assert "Wir schicken morgen jemanden." in shown  # the first answer stays shown


async def test_a_further_answer_needs_the_page_that_shows_the_first(
    client, staff_settings
):
    reference = new_request(staff_settings)
    await login(client, "anna")
    first_page = await open_page(client, reference)
    await answer(client, reference, first_page, "Wir schicken morgen jemanden.")
    shown = await answer(client, reference, first_page, "Wir schicken morgen jemanden.")
    assert "Inzwischen hat jemand aus dem Team geantwortet" in shown  # a double click
    shown = await answer(client, reference, await open_page(client, reference),
                         "Der Termin ist um 10 Uhr.")  # fmt: skip
    assert "Die Antwort geht an den Chat" in shown
    assert len(answers_sent(staff_settings)) == 2
