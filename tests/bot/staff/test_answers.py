"""/staff/antworten: staff read and edit the assistant's answers."""

from __future__ import annotations

from sqlalchemy import select

from actions.db import responses as answers
from actions.db.models import AuditEntry
from actions.db.session import in_transaction
from core.responses import STANDARD, domain_responses, shipped_texts
from tests.bot.staff.helpers import login, post_form

GREET = "/staff/antworten/standard/utter_greet"
CDO = "/staff/antworten/standard/utter_faq/cdo"


def seeded(settings) -> None:
    in_transaction(settings.database_url, lambda s: answers.seed(s, shipped_texts()))


def text_of(settings, name: str) -> str:
    return in_transaction(
        settings.database_url, lambda s: answers.get(s, name, STANDARD).text
    )


async def test_every_member_reads_the_answers_by_topic(client, staff_settings):
    seeded(staff_settings)
    await login(client, "rudi")
    page = await (await client.get("/staff/antworten")).text()
    assert "Häufige Fragen" in page and "utter_faq/cdo" in page
    found = await (await client.get("/staff/antworten?suche=Zwilling")).text()
    assert found.count("<tr>") < page.count("<tr>")
    detail = await (await client.get(CDO)).text()
    assert "Verwendet in" in detail and "data/" in detail
    assert 'name="text"' not in detail  # reading only


async def test_an_admin_edits_with_a_preview_and_can_restore(client, staff_settings):
    seeded(staff_settings)
    await login(client)
    preview = await post_form(
        client, GREET, {"text": "Moin <em>!</em>", "action": "preview"}
    )
    page = await preview.text()
    assert preview.status == 200
    assert "Moin &lt;em&gt;!&lt;/em&gt;" in page and "<em>!</em>" not in page
    assert "ohne Auszeichnungen" in page  # told before saving
    saved = await post_form(client, GREET, {"text": "Moin! Wie kann ich helfen?"})
    assert saved.status == 303
    assert text_of(staff_settings, "utter_greet") == "Moin! Wie kann ich helfen?"
    page = await (await client.get(GREET)).text()
    assert "Die Antwort ist gespeichert" in page and "Diesen Text zurückholen" in page
    restored = await post_form(
        client, GREET + "/zurueck", {"version": "default"}, page=GREET
    )
    assert restored.status == 303
    assert (
        text_of(staff_settings, "utter_greet") == domain_responses()["utter_greet"].text
    )
    audited = in_transaction(
        staff_settings.database_url,
        lambda s: [e.action for e in s.scalars(select(AuditEntry))],
    )
    assert audited.count("answer_edited") == 1 and "answer_restored" in audited


async def test_a_bad_text_is_refused_with_its_reasons(client, staff_settings):
    seeded(staff_settings)
    await login(client)
    refused = await post_form(client, GREET, {"text": "<script>alert(1)</script>"})
    assert refused.status == 400
    page = await refused.text()
    assert "ohne Auszeichnungen" in page and "<script>alert" not in page
    assert (
        text_of(staff_settings, "utter_greet") == domain_responses()["utter_greet"].text
    )


async def test_a_reviewer_cannot_edit_and_a_form_needs_its_token(
    client, staff_settings
):
    seeded(staff_settings)
    await login(client, "rudi")
    refused = await post_form(client, GREET, {"text": "Moin!"}, page="/staff/antworten")
    assert refused.status == 403
    await post_form(client, "/staff/logout", {}, page="/staff/antworten")
    await login(client)
    forged = await client.post(GREET, data={"text": "Moin!"}, allow_redirects=False)
    assert forged.status == 403
    assert text_of(staff_settings, "utter_greet") != "Moin!"


async def test_unknown_answers_are_a_german_404(client, staff_settings):
    seeded(staff_settings)
    await login(client)
    for path in (
        "/staff/antworten/standard/utter_nothing",
        "/staff/antworten/englisch/utter_greet",
    ):
        response = await client.get(path)
        assert response.status == 404
        assert "gibt es nicht" in await response.text()


async def test_the_leichte_sprache_variant_is_edited_like_the_standard(
    client, staff_settings
):
    seeded(staff_settings)
    await login(client)
    page = await (await client.get("/staff/antworten?suche=utter_greet")).text()
    assert "(Leichte Sprache, nicht geprüft)" in page
    path = "/staff/antworten/leicht/utter_greet"
    saved = await post_form(client, path, {"text": "Hallo.\nIch bin der Assistent."})
    assert saved.status == 303
    assert (
        in_transaction(
            staff_settings.database_url,
            lambda s: answers.get(s, "utter_greet", "leicht").text,
        )
        == "Hallo.\nIch bin der Assistent."
    )
    assert (
        text_of(staff_settings, "utter_greet") == domain_responses()["utter_greet"].text
    )


async def test_leichte_sprache_hints_help_and_the_review_is_marked_by_hand(
    client, staff_settings
):
    seeded(staff_settings)
    await login(client)
    path = "/staff/antworten/leicht/utter_greet"
    preview = await post_form(
        client,
        path,
        {"text": "Hallo! Das würde ich gern (bald) machen.", "action": "preview"},
    )
    page = await preview.text()
    assert "Konjunktiv „würde“" in page and "Klammer „(“" in page
    assert "Speichern geht trotzdem" in page
    marked = await post_form(client, path + "/pruefung", {"reviewed": "1"}, page=path)
    assert marked.status == 303
    page = await (await client.get(path)).text()
    assert "geprüft, eingetragen am" in page and "zurücknehmen" in page

    def review(session):
        row = answers.get(session, "utter_greet", "leicht")
        return row.reviewed_by

    assert in_transaction(staff_settings.database_url, review) == "anna"
    await post_form(client, path, {"text": "Hallo.\nSchön, dass Sie da sind."})
    assert in_transaction(staff_settings.database_url, review) is None
    standard = await post_form(
        client, GREET + "/pruefung", {"reviewed": "1"}, page=GREET
    )
    assert standard.status == 404


async def test_a_reviewer_cannot_mark_a_review(client, staff_settings):
    seeded(staff_settings)
    await login(client, "rudi")
    path = "/staff/antworten/leicht/utter_greet"
    refused = await post_form(client, path + "/pruefung", {"reviewed": "1"}, page=path)
    assert refused.status == 403


async def test_a_forged_version_is_refused_in_german(client, staff_settings):
    seeded(staff_settings)
    await login(client)
    for version in ("²", "x", "9" * 30, ""):
        refused = await post_form(
            client, GREET + "/zurueck", {"version": version}, page=GREET
        )
        assert refused.status == 303, version
        page = await (await client.get(GREET)).text()
        assert "Diese Fassung gibt es nicht." in page


async def test_a_template_of_a_computed_answer_is_edited_like_the_others(
    client, staff_settings
):
    seeded(staff_settings)
    await login(client)
    page = await (await client.get("/staff/antworten?suche=tpl_project_card")).text()
    assert "/staff/antworten/standard/tpl_project_card" in page
    card = "/staff/antworten/leicht/tpl_project_card"
    detail = await (await client.get(card)).text()
    assert "Vorlage einer berechneten Antwort" in detail
    assert "actions/sdk/project_actions.py" in detail
    # The placeholders the action fills must stay.
    refused = await post_form(client, card, {"text": "Das Projekt heißt: {name}"})
    assert refused.status == 400
    assert "Der Platzhalter {summary} fehlt." in await refused.text()
