"""Staff see per notification whether the e-mail went out, waits or failed."""

from __future__ import annotations

from sqlalchemy import update

from actions.db import accounts
from actions.db.models import Notification, utcnow
from actions.db.notifications import EMAIL_CHANNEL
from actions.db.session import in_transaction
from bot.server import create_app
from core.settings import Settings
from tests.bot.shared.test_mail_delivery import add, change
from tests.bot.staff.helpers import PASSWORDS, login


def set_email_rows(settings, **values) -> None:
    in_transaction(
        settings.database_url,
        lambda s: s.execute(
            update(Notification)
            .where(Notification.channel == EMAIL_CHANNEL)
            .values(**values)
        ),
    )


async def page(aiohttp_client, settings, reference) -> str:
    in_transaction(
        settings.database_url,
        lambda s: accounts.add_user(s, "anna", "admin", PASSWORDS["anna"], actor="t"),
    )
    client = await aiohttp_client(create_app(settings))
    await login(client)
    return await (await client.get(f"/staff/suggestions/{reference}")).text()


async def test_the_page_says_how_each_notification_went(aiohttp_client, mail_env):
    # No loop sends here: the rows keep the state the test gives them.
    settings = Settings.from_env({**mail_env, "SMTP_HOST": ""})
    reference = add(settings)
    change(settings, reference)

    shown = await page(aiohttp_client, settings, reference)
    assert "ja, über den Chat und per E-Mail" in shown
    assert "E-Mail-Versand ist nicht eingerichtet" in shown
    assert "per E-Mail: nicht versendet" in shown
    assert "im Chat: wartet auf Zustellung" in shown


async def test_sent_and_failed_mail_are_named(aiohttp_client, mail_settings):
    reference = add(mail_settings)
    change(mail_settings, reference)
    set_email_rows(mail_settings, failed_at=utcnow(), attempts=12)
    change(mail_settings, reference, "angenommen")
    # The second row went out; the first was given up.
    in_transaction(
        mail_settings.database_url,
        lambda s: s.execute(
            update(Notification)
            .where(
                Notification.channel == EMAIL_CHANNEL,
                Notification.failed_at.is_(None),
            )
            .values(sent_at=utcnow())
        ),
    )
    shown = await page(aiohttp_client, mail_settings, reference)
    assert "per E-Mail: nicht versendet, Versand aufgegeben" in shown
    assert "per E-Mail: versendet" in shown
