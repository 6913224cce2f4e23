"""The unsubscribe link: a GET only asks, the POST removes address, consent
and unsent mail; the public process sends mail by itself with SMTP_HOST."""

from __future__ import annotations

import asyncio
import re
from html import unescape

from sqlalchemy import select

from actions.db.models import Suggestion
from actions.db.session import in_transaction
from bot.server import create_app
from bot.shared.mail_delivery import unsubscribe_url
from core.deletion_journal import DeletionJournal
from core.secret_key import email_key
from core.settings import Settings
from tests.bot.shared.conftest import PUBLIC_URL
from tests.bot.shared.test_mail_delivery import ADDRESS, add, change, email_rows


def stored(settings, reference) -> tuple[str | None, object]:
    return in_transaction(
        settings.database_url,
        lambda s: s.execute(
            select(Suggestion.email, Suggestion.email_consent_at).where(
                Suggestion.reference == reference
            )
        ).one(),
    )


def suggestion_id(settings, reference) -> int:
    return in_transaction(
        settings.database_url,
        lambda s: s.scalar(
            select(Suggestion.id).where(Suggestion.reference == reference)
        ),
    )


async def test_get_asks_and_only_the_button_unsubscribes(
    aiohttp_client, mail_env, mail_settings
):
    # Without SMTP_HOST here: no delivery loop sends the waiting mail meanwhile.
    web_settings = Settings.from_env({**mail_env, "SMTP_HOST": ""})
    client = await aiohttp_client(create_app(web_settings))
    first, second = add(mail_settings), add(mail_settings)
    other = add(mail_settings, email="jemand@example.org")
    change(mail_settings, first)
    change(mail_settings, other)
    link = unsubscribe_url(mail_settings, suggestion_id(mail_settings, first), ADDRESS)
    path = link.removeprefix(PUBLIC_URL)

    page = await client.get(path)
    text = await page.text()
    assert page.status == 200
    assert "Keine E-Mails mehr bekommen?" in text
    assert stored(mail_settings, first)[0] == ADDRESS  # a GET changes nothing

    token = unescape(re.search(r'name="token" value="([^"]+)"', text).group(1))
    done = await client.post("/abmelden", data={"token": token})
    assert done.status == 200
    assert "Sie sind abgemeldet" in await done.text()
    assert stored(mail_settings, first) == (None, None)
    assert stored(mail_settings, second) == (None, None)  # the same address
    assert stored(mail_settings, other)[0] == "jemand@example.org"
    # A restore of an older backup takes the address away again: journaled
    # by its keyed hash, never the address (core.deletion_journal).
    [journaled] = DeletionJournal(web_settings.deletion_journal).read().entries
    assert journaled.email_key == email_key(ADDRESS, web_settings)
    assert ADDRESS not in web_settings.deletion_journal.read_text()
    assert [row.recipient for row in email_rows(mail_settings)] == [
        "jemand@example.org"
    ]

    again = await client.get(path)
    assert again.status == 404
    assert "gilt nicht mehr" in await again.text()


async def test_a_forged_token_unsubscribes_nobody(
    aiohttp_client, mail_env, mail_settings
):
    client = await aiohttp_client(create_app(Settings.from_env(mail_env)))
    reference = add(mail_settings)
    number = suggestion_id(mail_settings, reference)
    for token in (f"{number}.{'0' * 32}", "kaputt", ""):
        assert (await client.get(f"/abmelden?token={token}")).status == 404
        assert (await client.post("/abmelden", data={"token": token})).status == 404
    assert stored(mail_settings, reference)[0] == ADDRESS


async def test_one_address_gets_a_german_429_past_its_budget(aiohttp_client, mail_env):
    """Each look-up reads the database: a stranger's requests are budgeted."""
    settings = Settings.from_env({**mail_env, "WEB_ADDRESS_PER_MINUTE": "3"})
    client = await aiohttp_client(create_app(settings))
    statuses = [(await client.get("/abmelden?token=kaputt")).status for _ in range(3)]
    assert statuses == [404, 404, 404]
    refused = await client.post("/abmelden", data={"token": "kaputt"})
    assert refused.status == 429 and "Bitte warten Sie" in await refused.text()


async def test_the_public_process_sends_mail_without_telegram(
    aiohttp_client, mail_settings, inbox
):
    assert mail_settings.telegram is None
    client = await aiohttp_client(create_app(mail_settings))
    health = await (await client.get("/healthz")).json()
    assert health["email"] == "running"

    change(mail_settings, add(mail_settings))
    for _ in range(50):
        if inbox.received:
            break
        await asyncio.sleep(0.1)
    assert len(inbox.received) == 1


async def test_without_smtp_host_no_mail_delivery_runs(aiohttp_client, mail_env):
    client = await aiohttp_client(
        create_app(Settings.from_env({**mail_env, "SMTP_HOST": ""}))
    )
    health = await (await client.get("/healthz")).json()
    assert health["email"] == "off"
