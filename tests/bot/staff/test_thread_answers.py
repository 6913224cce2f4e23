"""Issue 29: staff write to a citizen without changing the status, and see
the citizen's answers on the suggestion's and the callback request's page."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from actions.db import callbacks, threads
from actions.db.models import AuditEntry, Notification, Suggestion
from actions.db.session import in_transaction
from tests.bot.staff.helpers import add_suggestion, login, post_form

NOW = datetime(2026, 12, 2, 10, tzinfo=timezone.utc)


def answered(settings, *, reference=None, callback=None, text="") -> None:
    """The citizen said yes to "an das Team?" for `text`."""

    def work(session):
        if reference:
            found = session.scalar(
                select(Suggestion).where(Suggestion.reference == reference)
            )
            thread = threads.Thread(reference, suggestion_id=found.id)
            key = found.sender_key
        else:
            row = callbacks.by_reference(session, callback)
            thread = threads.Thread(callback, callback_id=row.id)
            key = row.sender_key
        held = threads.hold(session, thread, sender_key=key, channel="web", text=text,
                            now=NOW)  # fmt: skip
        threads.send(session, held, key, now=NOW)

    in_transaction(settings.database_url, work)


async def test_a_message_leaves_the_status_and_the_answer_shows(client, staff_settings):
    reference = add_suggestion(staff_settings, "Fahrradbügel am Rathaus",
                               channel="telegram", reply_to="telegram:4711")  # fmt: skip
    await login(client)
    page = f"/staff/suggestions/{reference}"
    response = await post_form(client, f"{page}/message",
                               {"message": "Wo genau am Rathaus?"}, page=page)  # fmt: skip
    assert response.status == 303
    shown = await (await client.get(page)).text()
    assert "Die Nachricht geht an die Person" in shown

    def stored(session):
        suggestion = session.scalar(
            select(Suggestion).where(Suggestion.reference == reference)
        )
        [message] = session.scalars(
            select(Notification).where(Notification.suggestion_id == suggestion.id)
        ).all()
        audited = session.scalar(
            select(AuditEntry.action).where(AuditEntry.object_id == reference)
        )
        return suggestion.status, message.text, audited

    status, text, audited = in_transaction(staff_settings.database_url, stored)
    assert status == "eingegangen" and text.endswith("Wo genau am Rathaus?")
    assert audited == "suggestion_messaged"

    answered(staff_settings, reference=reference, text="Am <b>Nordeingang</b>")
    shown = await (await client.get(page)).text()
    assert "Antworten der Person" in shown
    assert "Am &lt;b&gt;Nordeingang&lt;/b&gt;" in shown  # escaped


async def test_no_message_to_a_citizen_without_a_chat(client, staff_settings):
    reference = add_suggestion(staff_settings, "Mehr Bänke im Volkspark")
    await login(client)
    page = f"/staff/suggestions/{reference}"
    assert "Nachricht an die Person" not in await (await client.get(page)).text()
    response = await post_form(client, f"{page}/message", {"message": "Hallo"},
                               page=f"/staff/suggestions/{reference}")  # fmt: skip
    shown = await (await client.get(response.headers["Location"])).text()
    assert "keine Nachrichten über den Chat" in shown


async def test_the_callback_page_shows_the_answers(client, staff_settings):
    def create(session):
        return callbacks.create(session, callbacks.NewCallback(
            channel="web", sender_key="s" * 64, text="Die Ampel ist kaputt.",
            reply_to="web:abc")).reference  # fmt: skip

    reference = in_transaction(staff_settings.database_url, create)
    answered(staff_settings, callback=reference, text="Nein, leider immer noch nicht")
    await login(client)
    shown = await (await client.get(f"/staff/callbacks/{reference}")).text()
    assert "Antworten der Person" in shown and "Nein, leider immer noch nicht" in shown
