"""News by e-mail end to end (issue 31): a citizen asks for them in the web
chat, staff change the status in the staff app, the e-mail reaches the
loopback inbox of the running assistant, and its unsubscribe link works:
opening it changes nothing, only the button (a POST) unsubscribes."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from html import unescape

import aiohttp

from tests.bot.shared.conftest import MAIL_FROM, Inbox
from tests.e2e.chat import REFERENCE, WebCitizen
from tests.e2e.live import CSRF, staff_session
from tests.e2e.staff import add_staff_user

IDEA = "Hochbeete zum gemeinsamen Gärtnern auf dem Schulhof der Röhmschule"
REPLY = "Wir sprechen mit der Schule über einen Platz für die Hochbeete."
PASSWORD = "mail-news-ist-wichtig-2026"
MAIL_WAIT_SECONDS = 30  # the e2e assistant polls its outbox every 0.5 s
UNSUBSCRIBE_LINK = re.compile(r"https?://\S+/abmelden\?token=[0-9]+\.[0-9a-f]{32}")
TOKEN_FIELD = re.compile(r'name="token" value="([^"]+)"')


async def suggestion_with_email_news(citizen: WebCitizen, address: str) -> str:
    """The suggestion form with news by e-mail and consent; its reference."""
    assert "Beschreiben Sie Ihre Idee" in await citizen.say(
        "Ich möchte einen Vorschlag machen"
    )
    assert "Zu welchem Thema" in await citizen.say(IDEA)
    assert "Ort oder Stadtteil" in await citizen.press("Mobilität")
    news = await citizen.press("Überspringen")
    assert "erfahren, was aus Ihrem Vorschlag wird" in news
    assert "Wie lautet Ihre E-Mail-Adresse" in await citizen.press(
        "Ja, auch per E-Mail"
    )
    assert "Ich willige ein" in await citizen.say(address)
    public = await citizen.press("Ich willige ein")
    assert "ohne Ihren Namen öffentlich zeigen" in public
    summary = await citizen.press("Nein")
    assert "Bitte prüfen Sie Ihren Vorschlag" in summary and address in summary
    saved = await citizen.press("Absenden")
    assert "Ihr Vorschlag ist gespeichert" in saved, saved
    return REFERENCE.search(saved).group(0)


class StaffMember:
    """A reviewer in the staff app of the running assistant."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base = http, f"{base}/staff"

    async def login(self, name: str) -> None:
        page = await (await self.http.get(f"{self.base}/login")).text()
        form = {"username": name, "password": PASSWORD,
                "csrf_token": CSRF.search(page).group(1)}  # fmt: skip
        response = await self.http.post(f"{self.base}/login", data=form)
        assert response.status == 200 and response.url.path == "/staff/suggestions"

    async def suggestion_page(self, reference: str) -> str:
        response = await self.http.get(f"{self.base}/suggestions/{reference}")
        assert response.status == 200
        return await response.text()

    async def set_status(self, reference: str, status: str, reply: str = "") -> str:
        token = CSRF.search(await self.suggestion_page(reference)).group(1)
        form = {"status": status, "public_note": reply, "csrf_token": token}
        response = await self.http.post(
            f"{self.base}/suggestions/{reference}/status", data=form
        )
        assert response.status == 200
        return await response.text()


async def mail_to(inbox: Inbox, address: str) -> EmailMessage:
    """The one e-mail the loopback server accepted for `address`."""
    for _ in range(MAIL_WAIT_SECONDS * 10):
        received = [e for e in inbox.received if address in e.rcpt_tos]
        if received:
            assert len(received) == 1, f"{len(received)} e-mails to one address"
            return message_from_bytes(received[0].content, policy=policy.default)
        await asyncio.sleep(0.1)
    raise AssertionError(f"no e-mail reached the inbox in {MAIL_WAIT_SECONDS} s")


def stored_email(assistant, reference: str) -> tuple[str | None, str | None]:
    with sqlite3.connect(assistant.database_url.removeprefix("sqlite:///")) as db:
        return db.execute(
            "SELECT email, email_consent_at FROM suggestions WHERE reference = ?",
            (reference,),
        ).fetchone()


def email_rows(assistant, reference: str) -> int:
    with sqlite3.connect(assistant.database_url.removeprefix("sqlite:///")) as db:
        return db.execute(
            "SELECT count(*) FROM notifications JOIN suggestions"
            " ON suggestions.id = notifications.suggestion_id"
            " WHERE suggestions.reference = ? AND notifications.channel = 'email'",
            (reference,),
        ).fetchone()[0]


async def test_status_news_by_email_and_unsubscribing(assistant, mail_server):
    # "news-…" once read as a "no" and was dropped (tests/e2e/test_form_answers.py).
    address = f"news-{uuid.uuid4().int % 10**8:08d}@example.org"
    add_staff_user(assistant, "mail-redaktion", "reviewer", PASSWORD)
    async with aiohttp.ClientSession() as http:
        citizen = WebCitizen(http, assistant.web_url)
        reference = await suggestion_with_email_news(citizen, address)
    assert stored_email(assistant, reference)[0] == address

    async with staff_session() as http:
        staff = StaffMember(http, assistant.web_url)
        await staff.login("mail-redaktion")
        changed = await staff.set_status(reference, "in_pruefung", REPLY)
        assert "Der Status ist jetzt „in Prüfung“." in changed

        mail = await mail_to(mail_server, address)
        assert mail["From"] == MAIL_FROM and mail["To"] == address
        body = mail.get_body(("plain",)).get_content()
        assert reference in body and "„in Prüfung“" in body and REPLY in body
        link = UNSUBSCRIBE_LINK.search(body).group(0)
        assert link.startswith(f"{assistant.web_url}/abmelden?token=")
        assert str(mail["List-Unsubscribe"]).strip() == f"<{link}>"
        # Staff see that this notification went out by e-mail.
        assert "per E-Mail: versendet" in await staff.suggestion_page(reference)

        async with aiohttp.ClientSession() as citizen_http:
            asked = await citizen_http.get(link)  # what a mail scanner does too
            page = await asked.text()
            assert asked.status == 200 and "Keine E-Mails mehr bekommen?" in page
            assert stored_email(assistant, reference)[0] == address

            token = unescape(TOKEN_FIELD.search(page).group(1))
            done = await citizen_http.post(
                f"{assistant.web_url}/abmelden", data={"token": token}
            )
            assert done.status == 200 and "Sie sind abgemeldet" in await done.text()
            assert stored_email(assistant, reference) == (None, None)
            again = await citizen_http.get(link)
            assert again.status == 404 and "gilt nicht mehr" in await again.text()

        # Unsubscribed: the next status change queues no e-mail at all.
        changed = await staff.set_status(reference, "angenommen")
        assert "Der Status ist jetzt „angenommen“." in changed
        assert email_rows(assistant, reference) == 1
