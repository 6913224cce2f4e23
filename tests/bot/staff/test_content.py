"""Admin content: project and event forms, retrain hint, iCalendar import."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, time, timedelta

from aiohttp import FormData
from sqlalchemy import func, select

from actions.db import ics
from actions.db.models import AuditEntry, Event, Project
from actions.db.session import in_transaction
from core.settings import PROJECT_ROOT
from tests.bot.staff.helpers import csrf_token, login, post_form

CALENDAR = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Stadt//Test//DE
BEGIN:VEVENT
UID:sprechstunde-1@stadt.example
SUMMARY:Digitale Sprechstunde
DTSTART;TZID=Europe/Berlin:20261210T170000
DTEND;TZID=Europe/Berlin:20261210T183000
LOCATION:Rathaus, Raum 1
CATEGORIES:Verwaltung
URL:https://www.stadt.example/sprechstunde
END:VEVENT
BEGIN:VEVENT
UID:markt-2@stadt.example
SUMMARY:Markt der Ideen
DTSTART;VALUE=DATE:20261212
END:VEVENT
BEGIN:VEVENT
SUMMARY:Ohne UID
DTSTART:20261213T100000Z
END:VEVENT
BEGIN:VEVENT
UID:ohne-beginn@stadt.example
SUMMARY:Ohne Beginn
END:VEVENT
END:VCALENDAR
"""


def count_events(url: str) -> int:
    return in_transaction(url, lambda s: s.scalar(select(func.count(Event.id))))


def test_ics_import_is_idempotent_by_uid(database_url, staff_settings):
    tz = staff_settings.tz
    topics = {"verwaltung": "Verwaltung"}
    data = CALENDAR.replace("\n", "\r\n").encode()

    def run(session, payload=data):
        report = ics.import_events(session, payload, tz=tz, topics=topics, actor="t")
        return (
            report.created,
            report.updated,
            report.unchanged,
            report.removed,
            len(report.skipped),
        )

    assert in_transaction(database_url, run) == (2, 0, 0, 0, 2)
    assert in_transaction(database_url, run) == (0, 0, 2, 0, 2)
    assert count_events(database_url) == 2

    moved = data.replace(b"Raum 1", b"Raum 2")
    assert in_transaction(database_url, lambda s: run(s, moved)) == (0, 1, 1, 0, 2)
    cancelled = moved.replace(
        b"SUMMARY:Markt der Ideen", b"SUMMARY:Markt der Ideen\r\nSTATUS:CANCELLED"
    )
    assert in_transaction(database_url, lambda s: run(s, cancelled)) == (0, 0, 1, 1, 2)

    def stored(session):
        event = session.scalar(
            select(Event).where(Event.uid == "sprechstunde-1@stadt.example")
        )
        return (
            event.location,
            event.topic,
            event.starts_at.astimezone(tz).isoformat(),
            event.ends_at is not None,
        )

    assert in_transaction(database_url, stored) == (
        "Rathaus, Raum 2",
        "Verwaltung",
        "2026-12-10T17:00:00+01:00",
        True,
    )


def test_broken_ics_is_refused_with_a_message(database_url, staff_settings):
    for payload in (b"", b"kein Kalender", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"):
        try:
            in_transaction(
                database_url,
                lambda s, p=payload: ics.import_events(s, p, tz=staff_settings.tz),
            )
        except ics.IcsError as error:
            assert "keine gültige iCalendar-Datei" in str(error)
        else:
            raise AssertionError(f"accepted {payload!r}")


async def test_ics_upload_in_the_staff_app(client, staff_settings, database_url):
    await login(client)
    token = await csrf_token(client, "/staff/events")
    for _ in range(2):
        form = FormData()
        form.add_field("csrf_token", token)
        form.add_field(
            "file",
            CALENDAR.encode(),
            filename="stadt.ics",
            content_type="text/calendar",
        )
        response = await client.post("/staff/events/import", data=form)
        page = await response.text()
    assert "Kalender importiert: 0 neu, 0 geändert, 2 unverändert" in page
    assert "Übersprungen: „Ohne UID“: ohne gültige UID" in page
    assert count_events(database_url) == 2
    form = FormData()
    form.add_field("file", CALENDAR.encode(), filename="stadt.ics")
    assert (await client.post("/staff/events/import", data=form)).status == 403


def test_import_ics_command(tmp_path, staff_settings):
    calendar = tmp_path / "stadt.ics"
    calendar.write_text(CALENDAR, encoding="utf-8")
    (tmp_path / "kaputt.ics").write_bytes(b"\x00\xff kein Kalender")
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": staff_settings.database_url,
        "SMARTCITY_VAR_DIR": str(staff_settings.var_dir),
    }

    def import_ics(name: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "events",
                "import-ics",
                str(tmp_path / name),
            ],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )

    first, again = import_ics("stadt.ics"), import_ics("stadt.ics")
    assert first.returncode == 0, first.stderr
    assert "2 new, 0 updated" in first.stdout and "skipped:" in first.stderr
    assert "0 new, 0 updated, 2 unchanged" in again.stdout
    missing = import_ics("fehlt.ics")
    assert missing.returncode == 2 and "error:" in missing.stderr
    broken = import_ics("kaputt.ics")
    assert broken.returncode == 2 and "not an iCalendar file" in broken.stderr


PROJECT = {
    "name": "Smarte Laternen",
    "slug": "smarte-laternen",
    "aliases": "Lichtmasten, intelligente Straßenbeleuchtung",
    "summary": "Laternen dimmen nachts, wenn niemand unterwegs ist.",
    "description": "",
    "topic": "Umwelt und Energie",
    "status": "geplant",
    "district": "stadtweit",
    "contact": "",
    "url": "https://www.stadt.example/laternen",
    "start": "2027-01-01",
    "end": "",
}


async def test_new_project_is_saved_audited_and_needs_a_retrain(
    client, staff_settings, database_url
):
    await login(client)
    response = await post_form(client, "/staff/projects/new", PROJECT)
    assert response.status == 303
    page = await (await client.get(response.headers["Location"])).text()
    assert "Das Projekt „Smarte Laternen“ ist gespeichert." in page
    assert "erst nach einem neuen Training" in page
    assert "smartcity content export-projects &amp;&amp; make train" in page
    assert (
        "Diese Namen kennt die Spracherkennung noch nicht" in page
        and "Lichtmasten" in page
    )

    def stored(session):
        project = session.scalar(
            select(Project).where(Project.slug == "smarte-laternen")
        )
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "project_created")
        )
        return project.aliases, project.topic, entry.actor, entry.after["name"]

    assert in_transaction(database_url, stored) == (
        ["Lichtmasten", "intelligente Straßenbeleuchtung"],
        "Umwelt und Energie",
        "anna",
        "Smarte Laternen",
    )
    # A summary change keeps the names: no retrain needed.
    response = await post_form(
        client, "/staff/projects/smarte-laternen", {**PROJECT, "summary": "Neu."}
    )
    page = await (await client.get(response.headers["Location"])).text()
    assert "ist gespeichert" in page and "erst nach einem neuen Training" not in page


async def test_project_form_refuses_bad_input_in_german(client, database_url):
    await login(client)
    for changes, message in [
        ({"name": ""}, "Bitte prüfen Sie das Feld „Name“."),
        ({"slug": "Mit Leerzeichen"}, "Kurzname"),
        ({"topic": "Erfunden"}, "Bitte wählen Sie ein Thema aus der Liste."),
        ({"status": "vielleicht"}, "Bitte wählen Sie einen Stand aus der Liste."),
        ({"url": "javascript:alert(1)"}, "Webseite"),
        (
            {"start": "2027-02-01", "end": "2027-01-01"},
            "Das Ende liegt vor dem Beginn.",
        ),
    ]:
        response = await post_form(
            client, "/staff/projects/new", {**PROJECT, **changes}
        )
        assert response.status == 400, changes
        assert message in await response.text()
    assert (
        in_transaction(database_url, lambda s: s.scalar(select(func.count(Project.id))))
        == 0
    )


async def test_a_project_and_an_event_get_english_texts_in_the_forms(
    client, database_url, staff_settings
):
    """Issue 34: optional English fields; the form shows them again."""
    await login(client)
    english = {"name_en": "Smart Lamps", "summary_en": "Lamps that dim at night."}
    response = await post_form(client, "/staff/projects/new", {**PROJECT, **english})
    assert response.status == 303
    form = await (await client.get("/staff/projects/smarte-laternen")).text()
    assert 'value="Smart Lamps"' in form and "Lamps that dim at night." in form
    half = await post_form(
        client, "/staff/projects/new", {**PROJECT, "slug": "b", "name_en": "B"}
    )
    assert half.status == 400
    assert "Auf Englisch braucht das Projekt" in await half.text()
    day = datetime.now(staff_settings.tz).date() + timedelta(days=7)
    event = {
        "title": "Workshop",
        "day": day.isoformat(),
        "time": "18:30",
        "title_en": "Workshop in English",
        "registration_en": "No sign-up.",
    }
    assert (await post_form(client, "/staff/events/new", event)).status == 303

    def stored(session):
        project = session.scalar(select(Project))
        saved = session.scalar(select(Event))
        return (
            project.name_en,
            project.summary_en,
            saved.title_en,
            saved.registration_en,
        )

    assert in_transaction(database_url, stored) == (
        "Smart Lamps", "Lamps that dim at night.", "Workshop in English", "No sign-up."
    )  # fmt: skip


async def test_event_form_creates_an_event(client, database_url, staff_settings):
    await login(client)
    # A week ahead, so the event is upcoming whenever the test runs.
    day = datetime.now(staff_settings.tz).date() + timedelta(days=7)
    form = {
        "title": "Workshop Open Data",
        "day": day.isoformat(),
        "time": "18:30",
        "duration": "90",
        "location": "Stadtbibliothek",
        "topic": "Offene Daten",
        "project": "",
        "description": "",
        "url": "",
        "registration": "",
    }
    bad = await post_form(client, "/staff/events/new", {**form, "day": "morgen"})
    assert (
        bad.status == 400 and "Bitte geben Sie Datum und Uhrzeit an" in await bad.text()
    )
    response = await post_form(client, "/staff/events/new", form)
    assert response.status == 303
    page = await (await client.get("/staff/events")).text()
    assert "Workshop Open Data" in page and f"{day:%d.%m.%Y}, 18:30" in page

    def stored(session):
        event = session.scalar(select(Event))
        return (
            event.starts_at.astimezone(staff_settings.tz).isoformat(),
            (event.ends_at - event.starts_at).seconds,
        )

    starts = datetime.combine(day, time(18, 30), staff_settings.tz)
    assert in_transaction(database_url, stored) == (starts.isoformat(), 5400)


def test_export_projects_writes_content_the_importer_accepts(
    tmp_path, staff_settings, example_content, today
):
    from actions.db.content import dump_projects, import_content
    from core.content import load_content

    in_transaction(
        staff_settings.database_url,
        lambda s: import_content(s, example_content, today=today, tz=staff_settings.tz),
    )
    folder = tmp_path / "content"
    folder.mkdir()
    for name in (
        "topics.yml",
        "districts.yml",
        "statuses.yml",
        "events.yml",
        "contact.yml",
    ):
        (folder / name).write_text(
            (PROJECT_ROOT / "data" / "content" / name).read_text()
        )
    text = in_transaction(
        staff_settings.database_url,
        lambda s: dump_projects(s.scalars(select(Project).order_by(Project.name))),
    )
    (folder / "projects.yml").write_text(text, encoding="utf-8")
    reloaded = load_content(folder)
    assert {p.slug: p.aliases for p in reloaded.projects} == {
        p.slug: p.aliases for p in example_content.projects
    }


async def test_ics_import_from_a_url(
    client, aiohttp_client, aiohttp_server, database_url, staff_settings
):
    """Issue 13: any host was fetched, redirects followed, and the parser's
    message echoed the first unparsable line. Loopback is our own machine, so
    the feed here is allowed by name, as an intranet calendar server would be."""
    from dataclasses import replace

    from aiohttp import web

    from bot.server import create_app

    async def calendar(_request):
        return web.Response(body=CALENDAR.encode(), content_type="text/calendar")

    def redirect_to(target):
        async def handler(_request):
            raise web.HTTPFound(target)

        return handler

    async def huge(_request):
        return web.Response(body=b"x" * (3 * 1024 * 1024))

    async def secret_line(_request):
        return web.Response(body=b"BEGIN:VCALENDAR\r\nGEHEIM: root:x:0:0\r\n")

    feed = web.Application()
    feed.router.add_get("/kalender.ics", calendar)
    feed.router.add_get("/metadata", redirect_to("http://169.254.169.254/latest/"))
    feed.router.add_get("/intern", redirect_to("http://10.0.0.1/kalender.ics"))
    feed.router.add_get("/name", redirect_to("http://localhost:1/kalender.ics"))
    feed.router.add_get("/gross.ics", huge)
    feed.router.add_get("/geheim.ics", secret_line)
    server = await aiohttp_server(feed)
    allowed = await aiohttp_client(
        create_app(
            replace(staff_settings, staff_ics_allowed_hosts=frozenset({"127.0.0.1"}))
        )
    )

    async def import_url(http, url: str) -> str:
        await login(http)
        response = await post_form(
            http, "/staff/events/import", {"url": url}, page="/staff/events"
        )
        return await (await http.get(response.headers["Location"])).text()

    own = str(server.make_url("/kalender.ics"))
    assert "aus dem internen Netz" in await import_url(client, own)
    assert "Kalender importiert: 2 neu" in await import_url(allowed, own)
    for path, reason in (
        ("/metadata", "aus dem internen Netz"),
        ("/intern", "aus dem internen Netz"),
        ("/name", "nicht erreichbar"),  # localhost resolves to loopback only
        ("/fehlt.ics", "antwortete mit 404"),
        ("/gross.ics", "größer als 2 MB"),
    ):
        page = await import_url(allowed, str(server.make_url(path)))
        assert "Der Kalender war nicht abrufbar" in page and reason in page, path
    broken = await import_url(allowed, str(server.make_url("/geheim.ics")))
    assert "keine gültige iCalendar-Datei" in broken and "root:x" not in broken
    assert "muss mit http:// oder https:// beginnen" in await import_url(
        allowed, "file:///etc/passwd"
    )
    assert count_events(database_url) == 2


def test_addresses_of_the_internal_network_are_not_public():
    from bot.staff.calendar_download import public

    for address in ("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1",
                    "169.254.169.254", "::1", "fe80::1", "fd00:ec2::254",
                    "::ffff:127.0.0.1", "0.0.0.0", "224.0.0.1", "100.64.0.1"):  # fmt: skip
        assert not public(address), address
    assert public("93.184.216.34") and public("2a00:1450:4001::1")


async def test_broken_content_files_are_named_not_a_crash(
    aiohttp_client, staff_settings, tmp_path
):
    from dataclasses import replace

    from bot.server import create_app

    broken = tmp_path / "kaputt"
    broken.mkdir()
    (broken / "topics.yml").write_text("topics: [", encoding="utf-8")
    client = await aiohttp_client(
        create_app(replace(staff_settings, content_dir=broken))
    )
    await login(client)
    for path in ("/staff/projects", "/staff/projects/new", "/staff/events/new"):
        response = await client.get(path)
        assert response.status == 500, path
        assert "Die Inhaltsdateien sind fehlerhaft" in await response.text()
