"""Issue 30.13: a callback request is answered once per page the staff saw.
Two members (or a double click) on the same unanswered request sent the
citizen two answers, and the second overwrote the first on the staff page."""

from __future__ import annotations

from bot.server import create_app
from tests.bot.staff.helpers import (
    answer_callback,
    answers_sent,
    login,
    new_callback_request,
    open_callback_page,
)


async def test_two_members_answering_at_once_send_one_answer(
    client, aiohttp_client, staff_settings
):
    reference = new_callback_request(staff_settings)
    other = await aiohttp_client(create_app(staff_settings))
    await login(client, "anna")
    await login(other, "rudi")
    annas_page, rudis_page = (await open_callback_page(client, reference),
                              await open_callback_page(other, reference))  # fmt: skip
    await answer_callback(
        client, reference, annas_page, "Wir schicken morgen jemanden."
    )
    shown = await answer_callback(other, reference, rudis_page, "Ist schon repariert.")
    sent = answers_sent(staff_settings)
    assert len(sent) == 1, sent
    assert sent[0].endswith("Wir schicken morgen jemanden.")
    assert "Inzwischen hat jemand aus dem Team geantwortet" in shown
    assert "Wir schicken morgen jemanden." in shown  # the first answer stays shown


async def test_a_further_answer_needs_the_page_that_shows_the_first(
    client, staff_settings
):
    reference = new_callback_request(staff_settings)
    await login(client, "anna")
    first_page = await open_callback_page(client, reference)
    await answer_callback(
        client, reference, first_page, "Wir schicken morgen jemanden."
    )
    shown = await answer_callback(
        client, reference, first_page, "Wir schicken morgen jemanden."
    )
    assert "Inzwischen hat jemand aus dem Team geantwortet" in shown  # a double click
    shown = await answer_callback(client, reference, await open_callback_page(client, reference),
                         "Der Termin ist um 10 Uhr.")  # fmt: skip
    assert "Die Antwort geht an den Chat" in shown
    assert len(answers_sent(staff_settings)) == 2
