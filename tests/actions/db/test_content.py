import shutil
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.db import ics
from actions.db.content import import_content
from actions.db.models import STAFF_SOURCE, Event, Project, utcnow
from actions.db.session import get_engine
from core.content import ContentError, load_content
from tests.helpers import EXAMPLE_CONTENT

TZ = ZoneInfo("Europe/Berlin")

REQUIRED_PROJECTS = {
    "KL MitWirkung": {"Mitmachplattform", "Beteiligungsplattform"},
    "Beirat Digitalisierung": {"Digitalbeirat"},
    "Urbane Datenplattform": {"Open Data"},  # "Offene Daten" is the topic
    "Digitaler Zwilling": {"3D-Stadtmodell"},
    "LoRaWAN-Sensornetz": {"Sensornetz"},
    "Smart Parking": {"Parkleitsystem"},
    "EnStadt:Pfaff": {"Pfaff-Quartier", "Pfaff-Gelände"},
    "Digitales Rathaus": {"Online-Bürgerservice"},
    "Digitallotsen": {"Digitalsprechstunde"},
    "Smarte Straßenbeleuchtung": {"intelligente Straßenlaternen"},
    "Freies WLAN": {"KL-WLAN"},
}


def test_example_content_has_the_required_projects(example_content):
    projects = {p.name: p for p in example_content.projects}
    for name, aliases in REQUIRED_PROJECTS.items():
        assert name in projects, name
        assert aliases <= set(projects[name].aliases), name
        assert projects[name].summary and projects[name].topic and projects[name].status
    assert projects["Smart Parking"].topic == "Mobilität"
    assert example_content.contact.example is True


def test_example_events_are_upcoming_and_varied(example_content, today):
    assert len(example_content.events) >= 15
    starts = [e.start_at(today, TZ).date() for e in example_content.events]
    assert min(starts) >= today
    titles = " ".join(e.title for e in example_content.events)
    for kind in (
        "Infostand",
        "Workshop",
        "Beirat",
        "Digitalsprechstunde",
        "Open Data Day",
        "Führung durch das Pfaff-Quartier",
    ):
        assert kind in titles, kind


def test_relative_dates_follow_the_import_day(example_content):
    market = next(e for e in example_content.events if e.uid == "infostand-markt-1")
    assert (
        market.start_at(date(2026, 11, 26), TZ).isoformat()
        == "2026-11-28T09:00:00+01:00"
    )
    assert (
        market.start_at(date(2027, 6, 1), TZ).isoformat() == "2027-06-05T09:00:00+02:00"
    )


def count(session, model):
    return session.scalar(select(func.count(model.id)))


def test_import_is_idempotent(database_url, example_content, today):
    engine = get_engine(database_url)
    with Session(engine, future=True) as session, session.begin():
        first = import_content(session, example_content, today=today, tz=TZ)
    with Session(engine, future=True) as session, session.begin():
        second = import_content(session, example_content, today=today, tz=TZ)
        assert count(session, Project) == len(example_content.projects)
        assert count(session, Event) == len(example_content.events)
    assert (first.projects_created, first.events_created) == (
        len(example_content.projects),
        len(example_content.events),
    )
    assert (second.projects_created, second.events_created, second.removed) == (0, 0, 0)


def test_prune_removes_what_the_files_lack(database_url, example_content, today):
    engine = get_engine(database_url)
    with Session(engine, future=True) as session, session.begin():
        import_content(session, example_content, today=today, tz=TZ)
    smaller = type(example_content)(
        example_content.topics,
        example_content.districts,
        example_content.statuses,
        example_content.projects[:3],
        [
            e
            for e in example_content.events
            if e.project in {p.slug for p in example_content.projects[:3]}
        ],
        example_content.contact,
    )
    with Session(engine, future=True) as session, session.begin():
        report = import_content(session, smaller, today=today, tz=TZ, prune=True)
        assert count(session, Project) == 3
        assert count(session, Event) == len(smaller.events)
    assert report.removed == (len(example_content.projects) - 3) + (
        len(example_content.events) - len(smaller.events)
    )


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//DE
BEGIN:VEVENT
UID:same-uid@stadt
DTSTART:20991201T170000Z
SUMMARY:{title}
END:VEVENT
END:VCALENDAR
"""


def test_imports_touch_only_their_own_rows(database_url, example_content, today):
    """Issue 13: --prune deleted events and projects made in the staff app or
    imported from a calendar, and a content import overwrote staff edits."""
    engine = get_engine(database_url)
    tz = TZ
    with Session(engine, future=True) as session, session.begin():
        import_content(session, example_content, today=today, tz=tz)
        edited = session.scalar(select(Project).where(Project.slug == "smart-parking"))
        edited.summary, edited.staff_edited_at = (
            "Von der Stadt neu beschrieben.",
            utcnow(),
        )
        session.add(Project(slug="staff-projekt", name="Neu aus dem Rathaus",
                            summary="x", topic="Mobilität", status="geplant",
                            source=STAFF_SOURCE, aliases=[]))  # fmt: skip
        session.add(Event(uid="staff-1", source=STAFF_SOURCE, title="Sprechstunde",
                          starts_at=utcnow(), description=""))  # fmt: skip
        for feed in ("https://a.example/cal.ics", "file:b.ics"):
            ics.import_events(
                session, ICS.format(title=feed).encode(), tz=tz, feed=feed
            )
    with Session(engine, future=True) as session, session.begin():
        again = import_content(session, example_content, today=today, tz=tz, prune=True)
        titles = set(session.scalars(select(Event.title)))
        assert {"Sprechstunde", "https://a.example/cal.ics", "file:b.ics"} <= titles
        assert (
            session.scalar(select(func.count()).where(Event.uid == "same-uid@stadt"))
            == 2
        )
        assert (
            session.scalar(
                select(Project.summary).where(Project.slug == "smart-parking")
            )
            == "Von der Stadt neu beschrieben."
        )
        assert session.scalar(select(Project.id).where(Project.slug == "staff-projekt"))
    assert again.removed == 0 and again.kept == 1


def test_no_table_is_named_like_one_of_rasas():
    """Issue 13: on one database, the calendar's `events` was Rasa's `events`."""
    from rasa.core.tracker_store import SQLTrackerStore

    from actions.db.models import Base

    rasa_tables = set(SQLTrackerStore.Base.metadata.tables)
    assert rasa_tables and not rasa_tables & set(Base.metadata.tables)


@pytest.fixture
def content_copy(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(EXAMPLE_CONTENT, target)
    return target


def replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "projects.yml",
            "topic: Mobilität",
            "topic: Raumfahrt",
            "unknown topic 'Raumfahrt'",
        ),
        (
            "projects.yml",
            "district: Morlautern",
            "district: Atlantis",
            "unknown district",
        ),
        (
            "projects.yml",
            "[Parkleitsystem,",
            "[Sensornetz,",
            "'Sensornetz' appears more than once",
        ),
        ("projects.yml", "status: geplant", "status: vielleicht", "status"),
        ("projects.yml", "slug: smart-parking", "slug: Smart Parking!", "slug"),
        (
            "projects.yml",
            "url: https://www.example.org/mitwirkung",
            "url: javascript:alert(1)",
            "url",
        ),
        ("events.yml", 'time: "18:00"', "time: 18:00", "write the time in quotes"),
        (
            "events.yml",
            "project: smart-parking",
            "project: nirgendwo",
            "unknown project slug",
        ),
        (
            "events.yml",
            "uid: beirat-sitzung-2",
            "uid: beirat-sitzung-1",
            "uid 'beirat-sitzung-1'",
        ),
        ("events.yml", "in_days: 0\n", "in_days: -3\n", "in_days"),
        (
            "districts.yml",
            "at: [49.4447, 7.7690]",
            "at: [7.7690, 249.4447]",
            "entry 1 (Innenstadt): at: give [latitude, longitude]",
        ),
        (
            "districts.yml",
            "at: [49.4447, 7.7690]",
            "at: hier",
            "entry 1 (Innenstadt): at",
        ),
        (
            "districts.yml",
            "name: Kotten",
            "name: Innenstadt",
            "'Innenstadt' appears more",
        ),
        (
            "districts.yml",
            "- name: Kotten\n    at: [49.4380, 7.7610]",
            "- 3",
            "entry 4 (?)",
        ),
        ("events.yml", "events:", "events: 3\nx:", "'events' must be a list"),
        ("events.yml", "events:", "events: [\n", "not valid YAML"),
        ("contact.yml", "email: smartcity@example.org", "email: keine", "email"),
    ],
)
def test_bad_content_is_refused_with_file_and_entry(
    content_copy, file, old, new, message
):
    replace(content_copy / file, old, new)
    with pytest.raises(ContentError) as error:
        load_content(content_copy)
    assert str(content_copy / file) in str(error.value)
    assert message in str(error.value)


def test_missing_file_and_directory(content_copy, tmp_path):
    (content_copy / "topics.yml").unlink()
    with pytest.raises(ContentError, match=r"topics\.yml: file is missing"):
        load_content(content_copy)
    with pytest.raises(ContentError, match="not a directory"):
        load_content(tmp_path / "nowhere")


def test_non_utf8_file(content_copy):
    (content_copy / "projects.yml").write_bytes("projects: [ä]".encode("latin-1"))
    with pytest.raises(ContentError, match="not UTF-8"):
        load_content(content_copy)
