"""News by e-mail (issue 31): sent through a loopback SMTP server, retried
after a refusal, never without consent, and gone with the citizen's data."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from email import message_from_bytes, policy

from sqlalchemy import select

from actions.db import notifications
from actions.db import suggestions as store
from actions.db.models import Notification, Suggestion, utcnow
from actions.db.notifications import EMAIL_CHANNEL
from actions.db.session import Database, in_transaction
from bot.shared.delivery_loop import retry_delay
from bot.shared.mail_delivery import MailDelivery
from tests.bot.shared.conftest import MAIL_FROM, PUBLIC_URL

ADDRESS = "erika@example.org"


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now


def add(
    settings,
    *,
    email=ADDRESS,
    consent=True,
    reply_to="web:abc",
    sender=None,
    language=None,
):
    new = store.NewSuggestion(
        language=language,
        form_run_id=uuid.uuid4().hex,
        channel="web",
        sender_key=sender or uuid.uuid4().hex,
        text="Eine Ladesäule für E-Bikes am Bahnhof",
        topic="Mobilität",
        reply_to=reply_to,
        email=email,
        email_consent_at=utcnow() if consent else None,
    )
    return in_transaction(
        settings.database_url,
        lambda s: store.create(s, new, daily_limit=100)[0].reference,
    )


def change(settings, reference, status="in_pruefung", note=None):
    def work(s):
        suggestion = store.by_reference(s, reference)
        store.change_status(s, suggestion, status, actor="anna", public_note=note)

    in_transaction(settings.database_url, work)


def email_rows(settings) -> list[Notification]:
    def work(s):
        rows = s.scalars(
            select(Notification).where(Notification.channel == EMAIL_CHANNEL)
        ).all()
        s.expunge_all()
        return rows

    return in_transaction(settings.database_url, work)


def received_text(envelope) -> tuple[object, str]:
    message = message_from_bytes(envelope.original_content, policy=policy.default)
    return message, message.get_body(("plain",)).get_content()


async def test_status_change_is_mailed_with_reference_and_unsubscribe_link(
    mail_settings, inbox
):
    reference = add(mail_settings)
    change(mail_settings, reference, note="Wir prüfen den Standort.")
    delivery = MailDelivery(
        mail_settings, Database(mail_settings.database_url), mail_settings.smtp
    )

    assert await delivery.deliver_due() == 1

    [envelope] = inbox.received
    assert envelope.rcpt_tos == [ADDRESS]
    assert envelope.mail_from == MAIL_FROM
    message, body = received_text(envelope)
    assert message["Subject"] == "Neuigkeiten zu Ihrem Vorschlag"
    assert reference in body
    assert "Wir prüfen den Standort." in body
    assert f"{PUBLIC_URL}/abmelden?token=" in body
    assert message["List-Unsubscribe"].startswith(f"<{PUBLIC_URL}/abmelden?token=")
    [row] = email_rows(mail_settings)
    assert row.sent_at is not None and row.recipient == ADDRESS
    assert await delivery.deliver_due() == 0  # sent once, not again


async def test_a_suggestion_made_in_english_is_mailed_in_english(mail_settings, inbox):
    """Issue 34: the news and the e-mail around it; a brace in a reply is text."""
    reference = add(mail_settings, language="en")
    change(mail_settings, reference, note="We check the {place}.")
    delivery = MailDelivery(
        mail_settings, Database(mail_settings.database_url), mail_settings.smtp
    )
    assert await delivery.deliver_due() == 1
    message, body = received_text(inbox.received[0])
    assert message["Subject"] == "News about your suggestion"
    assert body.startswith("Hello,") and "News about your suggestion V-" in body
    assert "“under review”" in body and "We check the {place}." in body
    assert f"Privacy: {PUBLIC_URL}/privacy" in body
    assert "Keine E-Mails" not in body


async def test_a_refused_mail_is_retried_later(mail_settings, inbox):
    inbox.refuse = 1
    change(mail_settings, add(mail_settings))
    clock = Clock()
    delivery = MailDelivery(
        mail_settings,
        Database(mail_settings.database_url),
        mail_settings.smtp,
        clock=clock,
    )

    assert await delivery.deliver_due() == 1
    [row] = email_rows(mail_settings)
    assert inbox.received == []
    assert row.sent_at is None and row.failed_at is None
    assert row.attempts == 1 and "451" in row.last_error
    assert await delivery.deliver_due() == 0  # not due before the backoff

    clock.now += retry_delay(1)
    assert await delivery.deliver_due() == 1
    assert len(inbox.received) == 1
    [row] = email_rows(mail_settings)
    assert row.sent_at is not None and row.attempts == 2


async def test_an_unknown_address_is_given_up_at_once(mail_settings, inbox, caplog):
    change(mail_settings, add(mail_settings, email="unbekannt@example.org"))
    delivery = MailDelivery(
        mail_settings, Database(mail_settings.database_url), mail_settings.smtp
    )

    with caplog.at_level(logging.INFO):
        await delivery.deliver_due()
    [row] = email_rows(mail_settings)
    assert row.failed_at is not None and "550" in row.last_error
    assert inbox.received == []
    # The server's words repeat the address: neither our log nor the row keeps it.
    ours = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith("bot.")
    )
    assert "Mailbox unbekannt" in ours and "<address>" in row.last_error
    assert "unbekannt@example.org" not in ours + row.last_error


async def test_no_consent_no_email(mail_settings, inbox):
    change(mail_settings, add(mail_settings, consent=False))
    delivery = MailDelivery(
        mail_settings, Database(mail_settings.database_url), mail_settings.smtp
    )

    assert await delivery.deliver_due() == 0
    assert email_rows(mail_settings) == []
    assert inbox.received == []


async def test_a_message_from_the_team_is_mailed_too(mail_settings, inbox):
    from actions.db import review

    reference = add(mail_settings)
    in_transaction(
        mail_settings.database_url,
        lambda s: review.send_message(s, reference, "Passt Ihnen Montag?", actor="a"),
    )
    await MailDelivery(
        mail_settings, Database(mail_settings.database_url), mail_settings.smtp
    ).deliver_due()

    _, body = received_text(inbox.received[0])
    assert "Passt Ihnen Montag?" in body and "im Chat" in body


def test_deleting_my_data_removes_the_email_and_its_rows(mail_settings):
    sender = uuid.uuid4().hex
    change(mail_settings, add(mail_settings, sender=sender))
    assert len(email_rows(mail_settings)) == 1

    in_transaction(
        mail_settings.database_url, lambda s: store.delete_for_sender(s, sender)
    )
    assert email_rows(mail_settings) == []


async def test_retention_removes_addresses_and_sent_email_rows(mail_settings, inbox):
    reference = add(mail_settings)
    change(mail_settings, reference, "zurueckgezogen")
    await MailDelivery(
        mail_settings, Database(mail_settings.database_url), mail_settings.smtp
    ).deliver_due()
    assert email_rows(mail_settings)[0].sent_at is not None
    later = utcnow() + timedelta(days=mail_settings.retention_days + 1)
    cutoff = later - timedelta(days=mail_settings.retention_days)

    def purge(s):
        store.purge_contact_data(s, closed_before=cutoff)
        notifications.purge_before(s, before=cutoff)

    in_transaction(mail_settings.database_url, purge)

    assert email_rows(mail_settings) == []
    suggestion = in_transaction(
        mail_settings.database_url,
        lambda s: s.scalar(
            select(Suggestion.email_consent_at).where(Suggestion.reference == reference)
        ),
    )
    assert suggestion is None


def test_an_unsent_email_of_a_closed_suggestion_goes_with_its_address(
    mail_settings,
):
    reference = add(mail_settings)
    change(mail_settings, reference, "zurueckgezogen")
    cutoff = utcnow() + timedelta(seconds=1)
    in_transaction(
        mail_settings.database_url,
        lambda s: store.purge_contact_data(s, closed_before=cutoff),
    )
    assert email_rows(mail_settings) == []
