"""What staff tests do like a browser: log in, post forms with their CSRF token."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from html import unescape

from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select

from actions.db import callbacks, suggestions
from actions.db.models import Notification
from actions.db.session import in_transaction
from bot.plugins.tracker_store import ErasableSQLTrackerStore
from core.settings import Settings

PASSWORDS = {"anna": "anna-sagt-hallo-123", "rudi": "rudi-liest-gerne-456"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_suggestion(settings: Settings, text: str, **fields) -> str:
    """A suggestion as the chat would store it; returns its reference."""
    email = fields.pop("email", None)
    new = suggestions.NewSuggestion(
        form_run_id=uuid.uuid4().hex,
        channel=fields.pop("channel", "web"),
        sender_key=fields.pop("sender_key", uuid.uuid4().hex),
        text=text,
        topic=fields.pop("topic", "Mobilität"),
        location=fields.pop("location", None),
        position=fields.pop("position", None),
        district=fields.pop("district", None),
        reply_to=fields.pop("reply_to", None),
        email=email,
        email_consent_at=datetime.now(timezone.utc) if email else None,
        public_consent_at=datetime.now(timezone.utc)
        if fields.pop("public", False)
        else None,
    )
    now = fields.pop("now", None)
    return in_transaction(
        settings.database_url,
        lambda s: suggestions.create(s, new, daily_limit=100, now=now)[0].reference,
    )


async def csrf_token(client, path: str = "/staff/login") -> str:
    page = await (await client.get(path)).text()
    return CSRF.search(page).group(1)


async def login(client, username: str = "anna", password: str | None = None):
    token = await csrf_token(client)
    return await client.post(
        "/staff/login",
        data={
            "csrf_token": token,
            "username": username,
            "password": PASSWORDS.get(username, "") if password is None else password,
        },
        allow_redirects=False,
    )


async def post_form(client, path: str, data: dict, page: str | None = None):
    """POST like the browser: with the CSRF token of the page that has the form."""
    token = await csrf_token(client, page or path)
    return await client.post(
        path, data={"csrf_token": token, **data}, allow_redirects=False
    )


async def store_messages(
    url: str, sender: str, turns: list[tuple[str, str, str]]
) -> None:
    """A real conversation in Rasa's SQL tracker store: (text, intent, next action)."""
    store = ErasableSQLTrackerStore(host=url)
    events = []
    for text, intent, action in turns:
        events += [
            UserUttered(text, intent={"name": intent, "confidence": 0.9}),
            ActionExecuted(action),
            ActionExecuted("action_listen"),
        ]
    await store.save(DialogueStateTracker.from_events(sender, events))


# A callback request ("Nachricht hinterlassen") and its answer on the staff page.
SEEN = re.compile(r'name="answered" value="([^"]*)"')


def new_callback_request(settings) -> str:
    return in_transaction(settings.database_url, lambda s: callbacks.create(
        s, callbacks.NewCallback(channel="web", sender_key="s" * 64,
                                 text="Die Ampel ist kaputt.", reply_to="web:abc"),
    ).reference)  # fmt: skip


async def open_callback_page(client, reference: str) -> dict[str, str]:
    """The answer form's hidden fields, as the browser holds them."""
    page = await (await client.get(f"/staff/callbacks/{reference}")).text()
    seen = SEEN.search(page)
    return {"csrf_token": CSRF.search(page).group(1),
            **({"answered": unescape(seen.group(1))} if seen else {})}  # fmt: skip


async def answer_callback(client, reference: str, form: dict, text: str) -> str:
    response = await client.post(f"/staff/callbacks/{reference}/answer",
                                 data={**form, "text": text}, allow_redirects=False)  # fmt: skip
    assert response.status == 303
    return unescape(await (await client.get(response.headers["Location"])).text())


def answers_sent(settings) -> list[str]:
    return in_transaction(
        settings.database_url,
        lambda s: list(s.scalars(select(Notification.text).order_by(Notification.id))),
    )


async def answer_a_new_callback(client, settings, text: str) -> None:
    """A new callback request, answered by anna with `text`."""
    reference = new_callback_request(settings)
    await login(client, "anna")
    await answer_callback(
        client, reference, await open_callback_page(client, reference), text
    )
