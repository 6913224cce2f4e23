"""Admins publish a suggestion only with the citizen's consent, under a title; audited."""

from __future__ import annotations

from html import unescape

from sqlalchemy import select

from actions.db.models import AuditEntry, Suggestion
from actions.db.session import in_transaction
from tests.bot.staff.helpers import add_suggestion, login, post_form


def stored(settings, reference: str) -> tuple:
    return in_transaction(
        settings.database_url,
        lambda s: s.execute(
            select(Suggestion.published_at, Suggestion.public_title).where(
                Suggestion.reference == reference
            )
        ).one(),
    )


def audit_actions(settings, reference: str) -> list[str]:
    return in_transaction(
        settings.database_url,
        lambda s: list(
            s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.object_id == reference)
                .order_by(AuditEntry.id)
            )
        ),
    )


async def publish(client, reference: str, **data):
    page = f"/staff/suggestions/{reference}"
    response = await post_form(client, f"{page}/publish", data, page)
    assert response.status == 303
    return unescape(await (await client.get(page)).text())


async def test_publish_retitle_and_unpublish_are_audited(client, staff_settings):
    reference = add_suggestion(
        staff_settings, "Zebrastreifen vor der Grundschule Kotten, bitte!", public=True
    )
    await login(client, "anna")
    page = await publish(client, reference, publish="1",
                         title="  Zebrastreifen   an der Grundschule  ")  # fmt: skip
    assert "Öffentlich als „Zebrastreifen an der Grundschule“." in page
    published_at, title = stored(staff_settings, reference)
    assert published_at is not None and title == "Zebrastreifen an der Grundschule"

    await publish(client, reference, publish="1", title="Sicherer Schulweg Kotten")
    assert stored(staff_settings, reference)[1] == "Sicherer Schulweg Kotten"
    page = await publish(client, reference, publish="0")
    assert "Nicht mehr öffentlich." in page
    assert stored(staff_settings, reference) == (None, "Sicherer Schulweg Kotten")
    assert audit_actions(staff_settings, reference) == [
        "published", "public_title_changed", "unpublished"
    ]  # fmt: skip


async def test_without_consent_nothing_is_published(client, staff_settings):
    reference = add_suggestion(staff_settings, "Mehr Licht im Volkspark bitte")
    await login(client, "anna")
    page = await (await client.get(f"/staff/suggestions/{reference}")).text()
    assert "nicht zugestimmt" in page and 'name="title"' not in page
    page = await publish(client, reference, publish="1", title="Licht im Volkspark")
    assert "nicht zugestimmt" in page
    assert stored(staff_settings, reference) == (None, None)
    assert audit_actions(staff_settings, reference) == []


async def test_a_title_must_fit_and_spam_goes_off_the_board(client, staff_settings):
    reference = add_suggestion(staff_settings, "Eine Bank am Weiher", public=True)
    await login(client, "anna")
    for title in ("", "Bank", "x" * 121):
        page = await publish(client, reference, publish="1", title=title)
        assert "öffentlichen Titel mit 5 bis 120 Zeichen" in page
    await publish(client, reference, publish="1", title="Eine Bank am Weiher")
    page = f"/staff/suggestions/{reference}"
    await post_form(client, f"{page}/hide", {"hidden": "1"}, page)
    assert stored(staff_settings, reference)[0] is None
    page = await publish(client, reference, publish="1", title="Eine Bank am Weiher")
    assert "Spam" in page and stored(staff_settings, reference)[0] is None


PRIVATE_REPLY = "Liebe Frau Muster, wir rufen Sie morgen unter 0631 123 an."
PUBLIC_REPLY = "Wir prüfen den Standort mit dem Tiefbauamt."


async def change_status(client, reference: str, **data):
    page = f"/staff/suggestions/{reference}"
    response = await post_form(client, f"{page}/status", data, page)
    assert response.status == 303


async def test_only_replies_written_as_public_reach_the_board(client, staff_settings):
    """Issue 30.10: every reply to the citizen appeared on the board once the
    suggestion was published, also one written as a private answer before."""
    reference = add_suggestion(staff_settings, "Eine Bank am Weiher, bitte",
                               public=True, reply_to="web:erika")  # fmt: skip
    await login(client)
    await change_status(client, reference, status="in_pruefung",
                        public_note=PRIVATE_REPLY)  # fmt: skip
    await change_status(client, reference, status="angenommen",
                        public_note=PUBLIC_REPLY, on_board="1")  # fmt: skip
    await publish(client, reference, publish="1", title="Eine Bank am Weiher")
    board = unescape(await (await client.get(f"/vorschlaege/{reference}")).text())
    assert PUBLIC_REPLY in board
    assert PRIVATE_REPLY not in board
    page = unescape(await (await client.get(f"/staff/suggestions/{reference}")).text())
    assert "Auch auf der öffentlichen Seite zeigen" in page


async def test_a_private_reply_is_not_sent_to_the_supporters(client, staff_settings):
    """Supporters are the public too: they get the news, not a private answer."""
    from actions.db import supports
    from actions.db.models import Notification

    reference = add_suggestion(staff_settings, "Eine Bank am Weiher, bitte",
                               public=True, reply_to="web:erika")  # fmt: skip
    await login(client)
    await publish(client, reference, publish="1", title="Eine Bank am Weiher")
    in_transaction(
        staff_settings.database_url,
        lambda s: supports.add(s, reference, "fan", channel="web", reply_to="web:fan"),
    )
    await change_status(client, reference, status="in_pruefung",
                        public_note=PRIVATE_REPLY)  # fmt: skip
    sent = dict(
        in_transaction(
            staff_settings.database_url,
            lambda s: s.execute(
                select(Notification.recipient, Notification.text)
            ).all(),
        )
    )
    assert PRIVATE_REPLY in sent["web:erika"]
    assert PRIVATE_REPLY not in sent["web:fan"] and "in Prüfung" in sent["web:fan"]


async def test_only_admins_publish(client, aiohttp_client, staff_settings):
    """Issue 30.13: any reviewer could put a citizen's idea on the public board."""
    from bot.server import create_app

    reference = add_suggestion(
        staff_settings, "Eine Bank am Weiher, bitte", public=True
    )
    await login(client, "rudi")
    page = await publish(client, reference, publish="1", title="Eine Bank am Weiher")
    assert "Veröffentlichen dürfen nur Administratorinnen und Administratoren." in page
    assert 'name="title"' not in page
    assert stored(staff_settings, reference) == (None, None)
    assert audit_actions(staff_settings, reference) == []

    admin = await aiohttp_client(create_app(staff_settings))
    await login(admin, "anna")
    await publish(admin, reference, publish="1", title="Eine Bank am Weiher")
    await publish(client, reference, publish="1", title="Ein anderer Titel")
    assert stored(staff_settings, reference)[1] == "Eine Bank am Weiher"
    # Taking it off the board is the safe direction: every member may.
    page = await publish(client, reference, publish="0")
    assert "Nicht mehr öffentlich." in page
    assert stored(staff_settings, reference)[0] is None
