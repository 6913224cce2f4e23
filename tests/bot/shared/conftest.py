"""A loopback SMTP server (aiosmtpd) and settings that send to it."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from core.settings import Settings

PUBLIC_URL = "https://assistent.stadt.example"
MAIL_FROM = "smartcity@stadt.example"


class Inbox:
    """Accepts mail, or refuses the next `refuse` messages with a 4xx reply."""

    def __init__(self) -> None:
        self.received = []
        self.refuse = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("unbekannt@"):
            # As many servers do: the refusal repeats the address.
            return f"550 5.1.1 <{address}>: Mailbox unbekannt"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Bitte später noch einmal"
        self.received.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def mail_env(database_url, tmp_path, smtp_server) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SMARTCITY_VAR_DIR": str(tmp_path / "var"),
        "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "PUBLIC_URL": PUBLIC_URL,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_server[1]),
        "SMTP_TLS": "none",
        "MAIL_FROM": MAIL_FROM,
        "NOTIFICATION_POLL_SECONDS": "0.1",
    }


@pytest.fixture
def mail_settings(mail_env) -> Settings:
    return Settings.from_env(mail_env)


@pytest.fixture
def inbox(smtp_server) -> Inbox:
    return smtp_server[0]
