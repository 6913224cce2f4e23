"""Suggestions end to end: the form, status, cancel, deletion, over real REST."""

from __future__ import annotations

import sqlite3
import uuid

from tests.e2e.chat import (
    IDEA,
    PROBE_EMAIL,
    PROBE_IDEA,
    REFERENCE,
    SERVICE_PORTAL,
    fill_form,
    joined,
)


def rows_with_text(assistant, text: str) -> int:
    path = assistant.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT count(*) FROM suggestions WHERE text = ?", (text,)
        ).fetchone()[0]


def tracker_events(assistant, sender: str) -> int:
    with sqlite3.connect(assistant.tracker_db) as db:
        return db.execute(
            "SELECT count(*) FROM events WHERE sender_id = ?", (sender,)
        ).fetchone()[0]


async def test_suggestion_gets_a_reference_and_status(assistant, chat):
    await fill_form(chat)
    saved = joined(await chat("/affirm"))
    reference = REFERENCE.search(saved).group(0)
    assert rows_with_text(assistant, IDEA) == 1

    mine = joined(await chat(f"Wie ist der Stand von {reference}?"))
    assert "eingegangen" in mine and IDEA in mine
    theirs = joined(
        await chat(f"Wie ist der Stand von {reference}?", who=uuid.uuid4().hex)
    )
    assert "eingegangen" in theirs and IDEA not in theirs

    again = await chat("/affirm")  # the confirmation delivered once more
    assert REFERENCE.search(joined(again)) is None
    assert rows_with_text(assistant, IDEA) == 1


async def test_unknown_reference(chat):
    answer = joined(await chat("Wie ist der Stand von V-0000-0000?"))
    assert "V-0000-0000 habe ich nicht gefunden" in answer


async def test_question_in_the_middle_is_answered_and_the_form_goes_on(chat):
    await chat("Ich habe eine Idee")
    await chat("Ein Tauschregal für Bücher am Bahnhof")
    answer = joined(await chat("Wer ist die Chief Digital Officer von Kaiserslautern?"))
    assert "Ilona Benz" in answer
    assert "Zu welchem Thema" in answer  # the form asks its question again


async def test_an_other_matter_in_the_middle_gets_the_portal_and_the_form_goes_on(
    chat,
):
    """Issue 31.8, by the form's own rule: a question is no idea."""
    assert "Beschreiben Sie Ihre Idee" in joined(await chat("Ich habe eine Idee"))
    answer = joined(await chat("Wo verlängere ich meinen Personalausweis?"))
    assert (
        f"Dienstleistungen der Stadt finden Sie hier: {SERVICE_PORTAL}" in answer
    ), answer
    assert "Beschreiben Sie Ihre Idee" in answer  # the form asks again


async def test_cancel_stores_nothing(assistant, chat):
    idea = "Trinkbrunnen am Stiftsplatz, die im Sommer kühles Wasser geben"
    await chat("Ich möchte einen Vorschlag machen")
    await chat(idea)
    assert "verworfen" in joined(await chat("abbrechen"))
    assert rows_with_text(assistant, idea) == 0


async def test_invalid_email_is_asked_twice_then_skipped(chat):
    await chat("Vorschlag machen")
    await chat("Mehr Fahrradständer am Hauptbahnhof")
    await chat('/inform{"topic":"Mobilität"}')
    await chat('/inform{"choice":"skip"}')
    assert "E-Mail-Adresse" in joined(await chat('/inform{"choice":"email"}'))
    for _ in range(2):
        assert "scheint nicht zu stimmen" in joined(await chat("anna(at)example"))
    last = joined(await chat("immer noch keine Adresse"))
    assert "ohne E-Mail weiter" in last and "öffentlich zeigen?" in last
    assert "Bitte prüfen Sie Ihren Vorschlag" in joined(await chat("nein"))


async def test_deletion_leaves_no_row_and_no_tracker_event(assistant, chat):
    idea = "Sitzbänke mit Solarladestation im Volkspark"
    await fill_form(chat, idea)
    await chat("/affirm")
    assert rows_with_text(assistant, idea) == 1
    assert tracker_events(assistant, chat.sender) > 0  # conversations are stored in SQL

    assert "wirklich alle Ihre Daten löschen" in joined(
        await chat("Bitte meine Daten löschen")
    )
    done = joined(await chat("/affirm"))
    assert "Gelöscht sind: 1 Vorschlag" in done
    assert rows_with_text(assistant, idea) == 0
    assert tracker_events(assistant, chat.sender) == 0


async def test_a_suggestion_with_email_news(assistant, chat):
    """Also feeds the log check of the e2e session (tests/e2e/conftest.py):
    neither this idea nor this address may appear in any log line."""
    await chat("Ich möchte einen Vorschlag machen")
    await chat(PROBE_IDEA)
    await chat('/inform{"topic":"Mobilität"}')
    await chat('/inform{"choice":"skip"}')
    assert "E-Mail-Adresse" in joined(await chat('/inform{"choice":"email"}'))
    assert "einwillig" in joined(await chat(PROBE_EMAIL)).casefold()
    assert "öffentlich zeigen?" in joined(await chat("/affirm"))
    summary = joined(await chat('/inform{"choice":"public"}'))
    assert PROBE_EMAIL in summary and "Öffentlich zeigen: ja" in summary
    assert REFERENCE.search(joined(await chat("/affirm")))
    assert rows_with_text(assistant, PROBE_IDEA) == 1
