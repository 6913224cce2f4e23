"""Delivers news by e-mail from the outbox (channel "email") over SMTP.

Only rows queued for a consenting author exist (actions.db.suggestions
.queue_email). Every mail ends with a link to unsubscribe; the link opens a
page with a button, so a mail scanner that follows links unsubscribes nobody.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from actions.db import notifications
from actions.db.models import utcnow
from actions.db.session import Database
from bot.shared.delivery_loop import DeliveryLoop
from core.protocol import ENGLISH
from core.secret_key import unsubscribe_token
from core.settings import Settings, SmtpSettings

logger = logging.getLogger(__name__)

SUBJECT = "Neuigkeiten zu Ihrem Vorschlag"
# The text goes between greeting and footer as it is: never through format().
GREETING = "Guten Tag,\n\n"
FOOTER = (
    "\n\nSie bekommen diese E-Mail, weil Sie beim Einreichen Ihres Vorschlags "
    "eingewilligt haben. Wir nutzen Ihre Adresse nur für Nachrichten zu "
    "Ihrem Vorschlag.\n"
    "Keine E-Mails mehr bekommen: {link}\n"
    "Datenschutz: {public_url}/datenschutz\n\n"
    "Ihr Smart-City-Team\n"
)
# For a suggestion handed in in English (issue 34).
SUBJECT_IN_ENGLISH = "News about your suggestion"
GREETING_IN_ENGLISH = "Hello,\n\n"
FOOTER_IN_ENGLISH = (
    "\n\nYou are getting this e-mail because you agreed to it when you handed in "
    "your suggestion. We use your address only for news about your suggestion.\n"
    "Stop getting emails: {link}\n"
    "Privacy: {public_url}/privacy\n\n"
    "Your Smart City team\n"
)
SEND_TIMEOUT_SECONDS = 30
UNSUBSCRIBE_PATH = "/abmelden"
# Servers repeat the address in their refusals; logs and staff pages keep none.
ADDRESS = re.compile(r"[^\s<>@]+@[^\s<>@]+")


def without_addresses(text: str) -> str:
    return ADDRESS.sub("<address>", text).replace("<<address>>", "<address>")


def unsubscribe_url(settings: Settings, suggestion_id: int, address: str) -> str:
    token = unsubscribe_token(suggestion_id, address, settings)
    return f"{settings.public_url}{UNSUBSCRIBE_PATH}?token={token}"


def compose(
    settings: Settings, smtp: SmtpSettings, row: notifications.Pending
) -> EmailMessage:
    """The notification's German text, why it came, and how to stop it."""
    link = unsubscribe_url(settings, row.suggestion_id, row.recipient)
    message = EmailMessage()
    message["From"] = smtp.mail_from
    message["To"] = row.recipient
    english = row.language == ENGLISH
    message["Subject"] = SUBJECT_IN_ENGLISH if english else SUBJECT
    message["Message-ID"] = make_msgid(domain=smtp.mail_from.rpartition("@")[2])
    message["List-Unsubscribe"] = f"<{link}>"
    greeting = GREETING_IN_ENGLISH if english else GREETING
    footer = FOOTER_IN_ENGLISH if english else FOOTER
    message.set_content(
        greeting + row.text + footer.format(link=link, public_url=settings.public_url)
    )
    return message


class MailDelivery(DeliveryLoop):
    channel = notifications.EMAIL_CHANNEL

    def __init__(
        self,
        settings: Settings,
        db: Database,
        smtp: SmtpSettings,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(
            db,
            poll_seconds=settings.notification_poll_seconds,
            lease_seconds=settings.notification_lease_seconds,
            clock=clock,
        )
        self.settings = settings
        self.smtp = smtp

    async def _deliver(self, row: notifications.Pending) -> None:
        if row.suggestion_id is None:
            # No suggestion, no unsubscribe link: such mail must not go out.
            await self._failed(row, "e-mail without a suggestion")
            return
        smtp = self.smtp
        try:
            await aiosmtplib.send(
                compose(self.settings, smtp, row),
                hostname=smtp.host,
                port=smtp.port,
                username=smtp.username,
                password=smtp.password,
                use_tls=smtp.tls == "tls",
                start_tls=smtp.tls == "starttls",
                timeout=SEND_TIMEOUT_SECONDS,
            )
        except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPRecipientRefused) as e:
            refused = getattr(e, "recipients", [e])
            # 5xx: the address does not exist; 4xx (mailbox busy): try again.
            error = without_addresses(
                f"refused: {'; '.join(f'{r.code} {r.message}' for r in refused)}"
            )
            if all(r.code >= 500 for r in refused):
                await self._failed(row, error)
            else:
                await self._retry_or_fail(row, error)
        except (aiosmtplib.SMTPException, OSError) as error:
            # Server away, busy or misconfigured: the backoff gives it time.
            await self._retry_or_fail(
                row, without_addresses(f"{type(error).__name__}: {error}")
            )
        else:
            await self._mark_sent(row)
