"""The inbox and review actions: filters, search, escaping, status changes with
history, audit and outbox, assignment, duplicates and spam."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from actions.db import review
from actions.db.models import AuditEntry, Notification, Suggestion
from actions.db.session import in_transaction
from core.deletion_journal import DeletionJournal
from tests.bot.staff.helpers import add_suggestion, csrf_token, login, post_form

SCRIPT = '<script>alert("x")</script>'


def references(page: str) -> list[str]:
    return re.findall(r">(V-[0-9A-Z]{4}-[0-9A-Z]{4})</a>", page)


async def inbox(client, query: str = "") -> str:
    response = await client.get(f"/staff/suggestions?{query}")
    assert response.status == 200
    return await response.text()


async def test_filters_and_search_find_exactly_the_matching_suggestions(
    client, staff_settings
):
    def at(day):
        return datetime(2026, 11, day, 10, tzinfo=timezone.utc)

    bench = add_suggestion(
        staff_settings, "Mehr Bänke am Stiftsplatz", topic="Stadtentwicklung", now=at(2)
    )
    wifi = add_suggestion(
        staff_settings,
        "Freies WLAN im Über-Bus",
        topic="Infrastruktur",
        channel="telegram",
        now=at(10),
    )
    light = add_suggestion(
        staff_settings,
        "Smarte Straßenlaternen 100% dimmbar",
        topic="Umwelt und Energie",
        location="Kottenviertel",
        now=at(20),
    )
    await login(client)

    assert set(references(await inbox(client))) == {bench, wifi, light}
    assert references(await inbox(client, "thema=Infrastruktur")) == [wifi]
    assert references(await inbox(client, "kanal=telegram")) == [wifi]
    assert references(await inbox(client, "von=2026-11-05&bis=2026-11-15")) == [wifi]
    assert references(await inbox(client, "von=2026-11-20&bis=2026-11-20")) == [light]
    # Case-insensitive across umlauts, all words must match, LIKE characters are text.
    assert references(await inbox(client, "q=über")) == [wifi]
    assert references(await inbox(client, "q=BÄNKE+stiftsplatz")) == [bench]
    assert references(await inbox(client, "q=100%25")) == [light]
    assert references(await inbox(client, "q=%25")) == [light]
    assert references(await inbox(client, "q=kottenviertel")) == [light]
    assert references(await inbox(client, f"q={wifi.lower()}")) == [wifi]
    assert references(await inbox(client, "q=Rathaus")) == []
    assert references(await inbox(client, "sort=alt")) == [bench, wifi, light]
    assert references(await inbox(client, "sort=neu")) == [light, wifi, bench]


async def test_counts_per_status_and_bad_filter_values(client, staff_settings):
    first = add_suggestion(staff_settings, "Idee eins")
    add_suggestion(staff_settings, "Idee zwei")
    await login(client)
    await post_form(
        client,
        f"/staff/suggestions/{first}/status",
        {"status": "in_pruefung"},
        page=f"/staff/suggestions/{first}",
    )
    page = await inbox(client)
    assert re.search(r"eingegangen <span class=\"count\">1</span>", page)
    assert re.search(r"in Prüfung <span class=\"count\">1</span>", page)
    assert references(await inbox(client, "status=in_pruefung")) == [first]
    page = await inbox(client, "status=kaputt&von=gestern&seite=abc&sort=zufall")
    assert "Unbekannter Status wurde ignoriert." in page
    assert "„von“ ist kein gültiges Datum" in page
    assert len(references(page)) == 2


async def test_pagination(client, staff_settings):
    for n in range(27):
        add_suggestion(staff_settings, f"Idee Nummer {n}")
    await login(client)
    first, second = await inbox(client), await inbox(client, "seite=2")
    assert len(references(first)) == 25 and len(references(second)) == 2
    assert not set(references(first)) & set(references(second))
    assert "Seite 1 von 2" in first and "seite=2" in first
    assert len(references(await inbox(client, "seite=99"))) == 2  # clamped to the last


async def test_suggestion_text_is_escaped_in_list_and_detail(client, staff_settings):
    reference = add_suggestion(
        staff_settings, f"Gute Idee {SCRIPT}", location="<b>Markt</b>"
    )
    await login(client)
    for page in (
        await inbox(client),
        await (await client.get(f"/staff/suggestions/{reference}")).text(),
    ):
        assert SCRIPT not in page and "<b>Markt</b>" not in page
        assert "&lt;script&gt;" in page


async def test_accepting_with_a_reply_writes_history_audit_and_notification(
    client, staff_settings
):
    reference = add_suggestion(
        staff_settings,
        "Sensoren für freie Parkplätze",
        channel="telegram",
        reply_to="4711",
    )
    await login(client)
    response = await post_form(
        client,
        f"/staff/suggestions/{reference}/status",
        {
            "status": "angenommen",
            "public_note": "Wir prüfen zwei Standorte.",
            "internal_note": "Budget 2027",
        },
        page=f"/staff/suggestions/{reference}",
    )
    assert response.status == 303
    page = await (await client.get(response.headers["Location"])).text()
    assert "Der Status ist jetzt „angenommen“." in page
    assert "Wir prüfen zwei Standorte." in page and "Budget 2027" in page

    def stored(session):
        suggestion = session.scalar(
            select(Suggestion).where(Suggestion.reference == reference)
        )
        notes = session.scalars(
            select(Notification).where(Notification.suggestion_id == suggestion.id)
        ).all()
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.object_id == reference)
        ).all()
        return (
            suggestion.status,
            [(c.changed_by, c.to_status) for c in suggestion.history],
            notes,
            entries,
        )

    status, history, notes, entries = in_transaction(
        staff_settings.database_url, stored, expire_on_commit=False
    )
    assert status == "angenommen"
    assert history == [("buerger", "eingegangen"), ("anna", "angenommen")]
    assert [(n.channel, n.recipient) for n in notes] == [("telegram", "4711")]
    assert (
        "Wir prüfen zwei Standorte." in notes[0].text and "Budget" not in notes[0].text
    )
    assert [(e.actor, e.action, e.before, e.after["status"]) for e in entries] == [
        ("anna", "status_changed", {"status": "eingegangen"}, "angenommen")
    ]


async def test_transitions_are_enforced(client, staff_settings):
    reference = add_suggestion(staff_settings, "Digitale Bürgersprechstunde")
    await login(client)
    detail = f"/staff/suggestions/{reference}"
    response = await post_form(
        client, f"{detail}/status", {"status": "umgesetzt"}, page=detail
    )
    assert (
        "Von „eingegangen“ geht es nicht zu „umgesetzt“."
        in await (await client.get(response.headers["Location"])).text()
    )
    response = await post_form(
        client, f"{detail}/status", {"status": "abgelehnt"}, page=detail
    )
    assert (
        "Grund der Ablehnung"
        in await (await client.get(response.headers["Location"])).text()
    )
    response = await post_form(
        client, f"{detail}/status", {"status": "erfunden"}, page=detail
    )
    assert response.status == 303
    status = in_transaction(
        staff_settings.database_url,
        lambda s: s.scalar(
            select(Suggestion.status).where(Suggestion.reference == reference)
        ),
    )
    assert status == "eingegangen"


async def test_assign_duplicate_and_spam(client, staff_settings):
    original = add_suggestion(
        staff_settings, "Mehr Bäume in der Innenstadt", reply_to="1"
    )
    copy = add_suggestion(staff_settings, "Bitte mehr Bäume in die City", reply_to="2")
    spam = add_suggestion(staff_settings, "Kaufen Sie billige Uhren")
    await login(client)

    await post_form(
        client,
        f"/staff/suggestions/{copy}/assign",
        {"assignee": "rudi"},
        page=f"/staff/suggestions/{copy}",
    )
    await post_form(
        client,
        f"/staff/suggestions/{copy}/assign",
        {"assignee": "mallory"},
        page=f"/staff/suggestions/{copy}",
    )
    await post_form(
        client,
        f"/staff/suggestions/{copy}/duplicate",
        {"original": original.lower()},
        page=f"/staff/suggestions/{copy}",
    )
    response = await post_form(
        client,
        f"/staff/suggestions/{original}/duplicate",
        {"original": copy},
        page=f"/staff/suggestions/{original}",
    )
    loop_page = await (await client.get(response.headers["Location"])).text()
    assert "kein Duplikat von sich selbst" in loop_page
    await post_form(
        client,
        f"/staff/suggestions/{spam}/hide",
        {"hidden": "1"},
        page=f"/staff/suggestions/{spam}",
    )

    page = await (await client.get(f"/staff/suggestions/{copy}")).text()
    assert "Duplikat" in page and f'href="/staff/suggestions/{original}"' in page
    assert "<dt>Zuständig</dt><dd>rudi</dd>" in page
    assert spam not in references(await inbox(client))
    assert spam in references(await inbox(client, "spam=1"))

    def stored(session):
        rows = {s.reference: s for s in session.scalars(select(Suggestion))}
        actions = [
            e.action
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
        notes = session.scalars(select(Notification.text)).all()
        return rows, actions, notes

    rows, actions, notes = in_transaction(
        staff_settings.database_url, stored, expire_on_commit=False
    )
    assert (
        rows[copy].status == "duplikat"
        and rows[copy].duplicate_of_id == rows[original].id
    )
    assert rows[copy].assigned_to == "rudi"
    assert (
        rows[original].status == "eingegangen"
        and rows[original].duplicate_of_id is None
    )
    assert rows[spam].hidden_at is not None
    assert [a for a in actions if a not in ("user_added",)] == [
        "assigned",
        "marked_duplicate",
        "hidden_as_spam",
    ]
    assert len(notes) == 1 and "gleicher Vorschlag" in notes[0]


async def test_unknown_suggestion_is_a_german_404(client):
    await login(client)
    response = await client.get("/staff/suggestions/V-ZZZZ-ZZZZ")
    assert response.status == 404
    assert "gibt es nicht" in await response.text()


async def test_admins_see_the_audit_log(client, staff_settings):
    reference = add_suggestion(staff_settings, "Ladesäulen am Bahnhof")
    await login(client)
    await post_form(
        client,
        f"/staff/suggestions/{reference}/status",
        {"status": "in_pruefung"},
        page=f"/staff/suggestions/{reference}",
    )
    page = await (await client.get("/staff/audit")).text()
    assert "Status geändert" in page and reference in page and "anna" in page
    assert "status: in_pruefung" in page


def test_two_clicks_at_once_change_and_notify_once(staff_settings):
    """Issue 13: on PostgreSQL two simultaneous clicks both read "eingegangen",
    and the citizen got two notifications."""
    reference = add_suggestion(
        staff_settings, "Eine Ampel am Markt", channel="telegram", reply_to="4711"
    )
    url = staff_settings.database_url
    start = threading.Barrier(2)

    def click() -> str:
        def work(session):
            review.set_status(session, reference, "angenommen", actor="anna",
                              public_note="Gute Idee.")  # fmt: skip

        start.wait(timeout=10)
        try:
            in_transaction(url, work)
        except review.ReviewError:
            return "refused"
        return "changed"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(lambda _: click(), range(2)))
    assert outcomes == ["changed", "refused"]

    def count(session):
        return session.scalar(select(func.count(Notification.id)))

    assert in_transaction(url, count) == 1


async def test_admins_delete_a_suggestion_on_request(client, staff_settings):
    reference = add_suggestion(staff_settings, "Bitte löschen: Bank am Weiher")
    page = f"/staff/suggestions/{reference}"
    await login(client, "rudi")  # a reviewer may not
    refused = await post_form(client, f"{page}/delete", {"confirm": "1"}, page=page)
    assert refused.status == 403
    await client.post(
        "/staff/logout", data={"csrf_token": await csrf_token(client, page)}
    )
    await login(client, "anna")
    unconfirmed = await post_form(client, f"{page}/delete", {}, page=page)
    assert unconfirmed.headers["Location"] == page
    assert "Endgültig löschen" in await (await client.get(page)).text()
    done = await post_form(client, f"{page}/delete", {"confirm": "1"}, page=page)
    assert done.headers["Location"] == "/staff/suggestions"
    assert (await client.get(page)).status == 404

    def audited(session):
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "suggestion_deleted")
        )
        return entry.actor, entry.object_id, str(entry.before)

    actor, object_id, before = in_transaction(staff_settings.database_url, audited)
    assert (actor, object_id) == ("anna", reference) and "Weiher" not in before
    # A restore of an older backup deletes it again (core.deletion_journal).
    [journaled] = DeletionJournal(staff_settings.deletion_journal).read().entries
    assert (journaled.kind, journaled.reference) == ("suggestion", reference)


@pytest.mark.parametrize(
    "query",
    ["von=0001-01-01", "bis=9999-12-31", "von=9999-12-31&bis=0001-01-01",
     "seite=99999999999999999999", "seite=-5", "seite=1e9", "von=2026-02-30",
     "status=%00", "q=" + "%25" * 500, "q=%FF%FE", "sort=" + "x" * 5000,
     "thema=" + "T" * 3000, "kanal=<script>", "von=" + "1" * 400],
)  # fmt: skip
async def test_the_inbox_answers_any_query_in_german(client, staff_settings, query):
    """Issue 13: von=0001-01-01 and bis=9999-12-31 were 500s."""
    add_suggestion(staff_settings, "Eine Idee für den Test der Filter")
    await login(client)
    for path in ("/staff/suggestions", "/staff/suggestions.csv"):
        response = await client.get(f"{path}?{query}")
        assert response.status == 200, (path, await response.text())
    audit = await client.get(f"/staff/audit?{query.replace('von', 'seite')}")
    assert audit.status == 200


async def test_the_audit_log_reads_as_text_in_local_time(client, staff_settings):
    """Issue 31: it showed raw JSON ("Lades\\u00e4ule"), UTC times and "citizen"."""
    from actions.db.audit import record
    from actions.db.session import in_transaction

    in_transaction(staff_settings.database_url, lambda s: record(
        s, "citizen", "live_ended", "live_chat", "7",
        {"status": "waiting", "until": "2026-12-02T09:00:00+00:00"},
        {"note": "Ladesäule", "public": True}))  # fmt: skip
    await login(client)
    page = await (await client.get("/staff/audit")).text()
    assert "Bürger/in" in page and ">citizen<" not in page
    assert "note: Ladesäule; public: ja" in page and "\\u00e4" not in page
    assert "until: 02.12.2026, 10:00" in page  # Europe/Berlin
    assert "&#34;" not in page


async def test_reference_numbers_do_not_wrap(client, staff_settings):
    reference = add_suggestion(staff_settings, "Ladesäulen am Bahnhof")
    await login(client)
    page = await (await client.get("/staff/suggestions")).text()
    assert f'<td class="nowrap"><a href="/staff/suggestions/{reference}' in page
    css = await (await client.get("/staff/static/staff.css")).text()
    assert ".nowrap { white-space: nowrap; }" in css
