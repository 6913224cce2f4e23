"""Issue 31.10: the staff live-chat page tells when citizens are offered the
chat, its queue refreshes by itself with the same count in the navigation
and the alert, and each queued chat shows the citizen's last message."""

from __future__ import annotations

import dataclasses
import html
import re
import time
import uuid
from datetime import datetime

import pytest
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text

from actions.db import conversations, live
from actions.db.session import in_transaction
from bot.plugins.tracker_store import ErasableSQLTrackerStore
from bot.server import create_app
from bot.staff.live_views import ago, preview
from tests.bot.staff.helpers import login, post_form

SATURDAY = datetime.fromisoformat("2026-12-05T11:00:00+01:00")
WEDNESDAY_MORNING = datetime.fromisoformat("2026-12-02T10:00:00+01:00")
WEDNESDAY_EVENING = datetime.fromisoformat("2026-12-02T18:00:00+01:00")
CHRISTMAS = datetime.fromisoformat("2026-12-25T10:00:00+01:00")
NAV = re.compile(r'id="nav-live-waiting"[^>]*>([^<]*)</span>')
ALERT = re.compile(r'id="live-waiting"[^>]*>([^<]*)</span>')
LONG = (
    "Die <b>Straßenlaterne</b> vor dem Haus Nummer 12 in der Hauptstraße ist "
    "seit Wochen kaputt, und abends ist es dort sehr dunkel. Bitte schicken "
    "Sie jemanden vorbei, der sie repariert. Danke schön!"
)


async def staff_app(aiohttp_client, settings, at: datetime):
    """The web app with the office's clock at `at`, and anna logged in."""
    client = await aiohttp_client(
        create_app(dataclasses.replace(settings, fixed_time=at))
    )
    await login(client)
    return client


async def page_text(client) -> str:
    response = await client.get("/staff/live")
    assert response.status == 200
    return html.unescape(re.sub(r"\s+", " ", await response.text()))


def offer(page: str) -> str:
    return re.search(r'<p id="live-offer">([^<]*)</p>', page).group(1)


async def available(client) -> None:
    done = await post_form(
        client, "/staff/live/availability", {"available": "1", "until": "2"},
        page="/staff/live",
    )  # fmt: skip
    assert done.status == 303


def start_chat(settings, at: datetime, sender: str | None = None) -> int:
    return in_transaction(
        settings.database_url,
        lambda s: live.start(
            s, sender_id=sender or uuid.uuid4().hex, sender_key=uuid.uuid4().hex,
            channel="web", now=at,
        ).id,
    )  # fmt: skip


async def say(settings, sender: str, *messages: tuple[str, float]) -> None:
    """The citizen's messages in Rasa's tracker store: (text, Unix time)."""
    events = []
    for words, at in messages:
        events += [
            UserUttered(words, intent={"name": "inform", "confidence": 0.9},
                        timestamp=at),
            ActionExecuted("action_listen", timestamp=at),
        ]  # fmt: skip
    store = ErasableSQLTrackerStore(host=settings.tracker_store_url)
    await store.save(DialogueStateTracker.from_events(sender, events))


# When citizens are offered the chat -------------------------------------------


async def test_on_a_saturday_citizens_are_not_offered_the_chat(
    aiohttp_client, staff_settings
):
    """The user test: "Sie sind erreichbar … bekommen „Mit einer Person
    chatten“ angeboten" on a Saturday, while citizens heard the office is closed."""
    client = await staff_app(aiohttp_client, staff_settings, SATURDAY)
    await available(client)
    page = await page_text(client)
    assert "Sie sind im Live-Chat erreichbar" in page
    assert offer(page) == (
        "Heute ist das Büro geschlossen. Bürgerinnen und Bürger bekommen den "
        "Live-Chat jetzt nicht angeboten, erst wieder am Montag, 7. Dezember, "
        "ab 9 Uhr, wenn dann jemand aus dem Team erreichbar ist."
    )
    assert "„Mit einer Person chatten“ angeboten" not in page


async def test_after_hours_and_on_a_holiday_the_next_opening_is_named(
    aiohttp_client, staff_settings
):
    evening = await staff_app(aiohttp_client, staff_settings, WEDNESDAY_EVENING)
    await available(evening)
    said = offer(await page_text(evening))
    assert said.startswith("Das Büro ist gerade geschlossen. ")
    assert "erst wieder morgen (Donnerstag) ab 9 Uhr" in said

    christmas = await staff_app(aiohttp_client, staff_settings, CHRISTMAS)
    said = offer(await page_text(christmas))
    assert said.startswith("Heute ist Erster Weihnachtstag, das Büro ist geschlossen.")
    assert "erst wieder am Montag, 28. Dezember, ab 9 Uhr" in said


async def test_in_office_hours_citizens_are_offered_the_chat_while_someone_is_there(
    aiohttp_client, staff_settings
):
    client = await staff_app(aiohttp_client, staff_settings, WEDNESDAY_MORNING)
    nobody = offer(await page_text(client))
    assert nobody.startswith("Gerade ist niemand aus dem Team erreichbar.")
    await available(client)
    assert offer(await page_text(client)) == (
        "Bürgerinnen und Bürger bekommen jetzt bis 16:00 Uhr „Mit einer Person "
        "chatten“ angeboten."
    )


# The counts in the navigation and the alert -----------------------------------


def counts(page: str) -> tuple[str, str]:
    return NAV.search(page).group(1).strip(), ALERT.search(page).group(1).strip()


async def test_navigation_and_alert_count_the_same_in_good_german(
    aiohttp_client, staff_settings
):
    client = await staff_app(aiohttp_client, staff_settings, WEDNESDAY_MORNING)
    assert counts(await page_text(client)) == (
        "0 Gespräche warten",
        "Kein Gespräch wartet.",
    )
    assert 'id="nav-live-waiting" hidden' in await page_text(client)

    first = start_chat(staff_settings, WEDNESDAY_MORNING)
    assert counts(await page_text(client)) == (
        "1 Gespräch wartet", "1 Gespräch wartet auf eine Person."
    )  # fmt: skip
    polled = await (await client.get("/staff/live/state.json")).json()
    assert (polled["waiting"], polled["waiting_text"]) == (1, "1 Gespräch wartet")
    assert polled["alert_text"] == "1 Gespräch wartet auf eine Person."

    start_chat(staff_settings, WEDNESDAY_MORNING)
    start_chat(staff_settings, WEDNESDAY_MORNING)
    in_transaction(
        staff_settings.database_url,
        lambda s: live.take(s, first, "anna", now=WEDNESDAY_MORNING),
    )
    # Three open chats, one taken: two wait, in both places.
    assert counts(await page_text(client)) == (
        "2 Gespräche warten", "2 Gespräche warten auf eine Person."
    )  # fmt: skip
    polled = await (await client.get("/staff/live/state.json")).json()
    assert (polled["waiting"], polled["waiting_text"]) == (2, "2 Gespräche warten")
    assert len(polled["chats"]) == 3


# The preview of the citizen's last message ------------------------------------


def test_a_preview_is_cut_at_a_word():
    cut = preview(LONG)
    assert len(cut) <= 121 and cut.endswith("…")
    assert LONG.startswith(cut[:-1])
    assert LONG[len(cut) - 1] in " ,."  # the last word is whole
    assert preview("  kurz\n und  knapp ") == "kurz und knapp"
    assert preview("x" * 300) == "x" * 120 + "…"


def test_a_message_age_reads_as_people_say_it():
    now = datetime.fromisoformat("2026-12-02T10:00:00+00:00")
    at = datetime.fromisoformat
    assert ago(at("2026-12-02T09:59:30+00:00"), now) == "gerade eben"
    assert ago(at("2026-12-02T09:59:00+00:00"), now) == "vor 1 Minute"
    assert ago(at("2026-12-02T09:45:00+00:00"), now) == "vor 15 Minuten"
    assert ago(at("2026-12-02T08:30:00+00:00"), now) == "vor 1 Stunde"
    assert ago(at("2026-11-30T10:00:00+00:00"), now) == "vor 2 Tagen"


async def test_each_queued_chat_shows_the_citizens_last_message_escaped(
    aiohttp_client, staff_settings
):
    client = await staff_app(aiohttp_client, staff_settings, WEDNESDAY_MORNING)
    talking, silent = uuid.uuid4().hex, uuid.uuid4().hex
    now = time.time()
    await say(
        staff_settings, talking,
        ("Ich möchte mit einem Menschen sprechen", now - 900),
        (LONG, now - 600),
        ("/request_human", now - 590),  # a button: no message to show
    )  # fmt: skip
    start_chat(staff_settings, WEDNESDAY_MORNING, talking)
    start_chat(staff_settings, WEDNESDAY_MORNING, silent)

    response = await client.get("/staff/live")
    raw = await response.text()
    assert "<b>" not in raw and "&lt;b&gt;Straßenlaterne&lt;/b&gt;" in raw
    page = html.unescape(raw)
    assert preview(LONG) in page
    assert "vor 10 Minuten" in page
    assert "Noch keine Nachricht." in page
    assert "Danke schön!" not in page

    polled = await (await client.get("/staff/live/state.json")).json()
    by_sender = {c["id"]: c for c in polled["chats"]}
    shown = [c for c in by_sender.values() if c["preview"]]
    assert [c["preview"] for c in shown] == [preview(LONG)]
    assert shown[0]["said_ago"] == "vor 10 Minuten"
    assert [c["no_preview"] for c in by_sender.values() if not c["preview"]] == [
        "Noch keine Nachricht."
    ]


async def test_previews_of_fifty_long_chats_take_one_indexed_query(
    staff_settings, monkeypatch
):
    """Not N transcripts: one query, each sender an index range scan."""
    senders = [f"sender-{n}" for n in range(50)]
    now = time.time()
    await say(staff_settings, senders[0], *((f"Nachricht {n}", now - 1000 + n)
                                            for n in range(400)))  # fmt: skip
    for sender in senders[1:]:
        await say(staff_settings, sender, (f"Hallo von {sender}", now))
    queries = []
    read = conversations.read

    def counting(url, statement):
        queries.append(statement)
        return read(url, statement)

    monkeypatch.setattr(conversations, "read", counting)
    found = live.last_citizen_messages(staff_settings.tracker_store_url, senders)
    assert len(queries) == 1
    assert found[senders[0]].text == "Nachricht 399"
    assert found[senders[7]].text == "Hallo von sender-7"
    assert len(found) == 50

    engine = conversations.tracker_engine(staff_settings.tracker_store_url)
    compiled = queries[0].compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        plan = " ".join(
            str(row[-1])
            for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        )
    assert "ix_events_session_starts" in plan
    assert "SCAN events" not in plan.replace("SCAN events USING", "")


def test_no_tracker_store_yet_means_no_previews(tmp_path):
    missing = f"sqlite:///{tmp_path / 'not-yet.db'}"
    assert live.last_citizen_messages(missing, ["someone"]) == {}
    assert not (tmp_path / "not-yet.db").exists()


# The poll ------------------------------------------------------------------------


async def test_the_poll_needs_a_login_and_does_not_keep_the_session_alive(
    aiohttp_client, staff_settings, monkeypatch
):
    client = await aiohttp_client(create_app(staff_settings))
    anonymous = await client.get("/staff/live/state.json", allow_redirects=False)
    assert anonymous.status == 303
    assert anonymous.headers["Location"].startswith("/staff/login")

    await login(client)
    start, limit = time.time(), staff_settings.staff_idle_minutes * 60
    for step in (0.5, 0.9):
        monkeypatch.setattr(time, "time", lambda step=step: start + step * limit)
        polled = await client.get("/staff/live/state.json", allow_redirects=False)
        assert polled.status == 200
        assert (await polled.json())["waiting_text"] == "Kein Gespräch wartet"
    monkeypatch.setattr(time, "time", lambda: start + 1.1 * limit)
    expired = await client.get("/staff/live/state.json", allow_redirects=False)
    # The polls did not renew the session: it has ended by now.
    assert expired.status == 303
    assert expired.headers["Location"].startswith("/staff/login")


@pytest.mark.parametrize("script", ["live-queue.js", "live.js"])
async def test_the_scripts_are_files_under_the_csp(client, script):
    await login(client)
    page = await (await client.get("/staff/live")).text()
    assert f'src="/staff/static/{script}"' in page
    assert "<script>" not in page  # no inline script: script-src 'self'
    served = await client.get(f"/staff/static/{script}")
    assert served.status == 200
    assert "innerHTML" not in await served.text()
