import subprocess
import sys

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.db.models import Event, Project
from actions.db.session import get_engine
from tests.helpers import EXAMPLE_CONTENT


def smartcity(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    import os

    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}")
    env["DELETION_JOURNAL"] = str(tmp_path / "deletions.jsonl")
    return env


def test_upgrade_then_import_twice(cli_env):
    assert smartcity("db", "upgrade", env=cli_env).returncode == 0
    first = smartcity("content", "import", str(EXAMPLE_CONTENT), env=cli_env)
    assert first.returncode == 0, first.stderr
    assert "projects: 11 new" in first.stdout
    again = smartcity(
        "content", "import", str(EXAMPLE_CONTENT), "--if-empty", env=cli_env
    )
    assert "nothing imported" in again.stdout
    with Session(get_engine(cli_env["DATABASE_URL"]), future=True) as session:
        assert session.scalar(select(func.count(Project.id))) == 11
        assert session.scalar(select(func.count(Event.id))) >= 15


def test_check_only_validates(cli_env):
    result = smartcity(
        "content", "import", str(EXAMPLE_CONTENT), "--check", env=cli_env
    )
    assert result.returncode == 0 and "OK" in result.stdout


@pytest.mark.parametrize(
    ("args", "env_extra", "message"),
    [
        (
            ["content", "import", "/no/such/dir"],
            {},
            "error: /no/such/dir: not a directory",
        ),
        (
            ["db", "upgrade"],
            {"RASA_PORT": "x"},
            "error: RASA_PORT must be a whole number",
        ),
        (
            ["content", "import", str(EXAMPLE_CONTENT)],
            {"DATABASE_URL": "postgresql+psycopg2://postgres@127.0.0.1:1/x"},
            "error: database:",
        ),
    ],
)
def test_operator_errors_are_one_clear_line(cli_env, args, env_extra, message):
    result = smartcity(*args, env={**cli_env, **env_extra})
    assert result.returncode in (1, 2)
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_command_shows_usage():
    result = smartcity("frobnicate")
    assert result.returncode == 2 and "usage: smartcity" in result.stderr


def test_retention_purge(cli_env, tmp_path):
    """Issue 13: copies of personal data outlived retention: conversations with
    their slot values, delivered news with chat ids, and staff notes."""
    import time
    from datetime import timedelta

    from rasa.core.tracker_store import SQLTrackerStore
    from sqlalchemy import text

    from actions.db import audit, callbacks, live, notifications
    from actions.db import suggestions as store
    from actions.db.models import (
        AuditEntry,
        CallbackRequest,
        Follow,
        LiveChat,
        NluReview,
        Notification,
        StatusChange,
        Suggestion,
        Support,
        utcnow,
    )

    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    cli_env["TRACKER_STORE_URL"] = tracker_url
    assert smartcity("db", "upgrade", env=cli_env).returncode == 0
    engine = get_engine(cli_env["DATABASE_URL"])
    with Session(engine, future=True) as session, session.begin():
        for run, days_closed in (("old", 200), ("recent", 10)):
            new = store.NewSuggestion(form_run_id=run, channel="rest", sender_key="k",
                                      text=f"Idee {run} für die Stadt", topic="Sonstiges",
                                      reply_to="chat-1", email="a@example.org",
                                      email_consent_at=utcnow())  # fmt: skip
            suggestion, _ = store.create(session, new, daily_limit=5)
            at = utcnow() - timedelta(days=days_closed)
            store.change_status(session, suggestion, "zurueckgezogen", actor="anna",
                                internal_note=f"Bürger schrieb: {run}", now=at)  # fmt: skip
            for row in suggestion and session.scalars(select(Notification)):
                row.sent_at = row.sent_at or at
            chat = live.start(session, sender_id=f"web:{run}", sender_key="k",
                              channel="web", now=at)  # fmt: skip
            live.end(session, chat, "anna", now=at)
            # Issue 30.9: a reply the widget never showed, a supporter's chat
            # and a reviewed message in the audit log outlived retention.
            notifications.queue(session, "web", f"web:{run}", "Hallo", now=at)
            session.add(Support(suggestion_id=suggestion.id, sender_key="fan",
                                channel="web", reply_to=f"web:fan-{run}"))  # fmt: skip
            audit.record(session, "anna", "nlu_reviewed", "message",
                         f"Ich heiße Erika ({run})", None, None).at = at  # fmt: skip
            # Issue 36.2: a follow nobody renewed ends with the period.
            session.add(Follow(sender_key="k", channel="web", recipient=f"web:{run}",
                               kind="topic", value=run, created_at=at,
                               news_since=at))  # fmt: skip
            session.add(NluReview(text_key=run, text=f"Ich heiße Erika ({run})",
                                  intent="out_of_scope", decided_by="anna",
                                  decided_at=at))  # fmt: skip
            for status in ("erledigt", "offen"):
                request = callbacks.create(session, callbacks.NewCallback(
                    "web", "k", f"Rückruf {run}", "0631 1", f"web:{run}"))  # fmt: skip
                request.status, request.created_at, request.updated_at = status, at, at
    tracker = get_engine(tracker_url)
    SQLTrackerStore.Base.metadata.create_all(tracker)
    with tracker.begin() as connection:
        for sender, age_days in (("alt", 200), ("neu", 1)):
            connection.execute(
                text("INSERT INTO events (sender_id, type_name, timestamp, data) "
                     "VALUES (:s, 'slot', :t, '{\"value\": \"a@example.org\"}')"),
                {"s": sender, "t": time.time() - age_days * 86400},
            )  # fmt: skip
    result = smartcity("retention", "purge", env=cli_env)
    assert result.returncode == 0, result.stderr
    assert (
        "older than 180 days: contact data removed from 1 closed suggestions, "
        # Per run: the chat's news, the same by e-mail (issue 31), the widget's.
        "1 internal notes, 3 notifications, 0 photos, 1 live chats, "
        "1 answered callback requests, 0 answers to the team, 1 reviewed messages, "
        "1 follows not renewed and 1 conversation events deleted; words removed "
        "from 0 ratings and "
        "1 audit entries" in result.stdout
    )
    with Session(engine, future=True) as session:
        emails = dict(
            session.execute(select(Suggestion.form_run_id, Suggestion.email)).all()
        )
        notes = set(session.scalars(select(StatusChange.internal_note)))
        news = session.scalar(select(func.count(Notification.id)))
        chats = set(session.scalars(select(LiveChat.sender_id)))
        fans = set(session.scalars(select(Support.reply_to)))
        followed = set(session.scalars(select(Follow.value)))
        reviewed = set(
            session.scalars(
                select(AuditEntry.object_id).where(AuditEntry.action == "nlu_reviewed")
            )
        )
        requests = session.execute(
            select(
                CallbackRequest.text, CallbackRequest.status, CallbackRequest.reply_to
            )
        ).all()
    assert emails == {"old": None, "recent": "a@example.org"}
    assert notes == {None, "Bürger schrieb: recent"} and news == 3
    assert fans == {None, "web:fan-recent"} and followed == {"recent"}
    assert reviewed == {"", "Ich heiße Erika (recent)"}
    with Session(engine, future=True) as session:
        decided = set(session.scalars(select(NluReview.text_key)))
    assert decided == {"recent"}
    assert chats == {"web:recent"}
    assert sorted(requests) == [
        ("Rückruf old", "offen", None),  # kept until done, but no longer reachable
        ("Rückruf recent", "erledigt", "web:recent"),
        ("Rückruf recent", "offen", "web:recent"),
    ]
    with tracker.connect() as connection:
        left = connection.execute(text("SELECT sender_id FROM events")).scalars().all()
    assert left == ["neu"]
    shorter = smartcity("retention", "purge", "--days", "5", env=cli_env)
    assert "contact data removed from 1 closed suggestions" in shorter.stdout


def test_the_follow_digest_waits_for_its_hour_unless_told(cli_env):
    """Issue 36.2: `smartcity follows digest` queues what the web app would."""
    from actions.db import follows
    from actions.db.follows import Target
    from actions.db.models import utcnow
    from actions.db.session import in_transaction

    assert smartcity("db", "upgrade", env=cli_env).returncode == 0
    in_transaction(cli_env["DATABASE_URL"], lambda s: follows.add(
        s, "k", Target("topic", "Mobilität"), channel="web", recipient="web:k",
        now=utcnow()))  # fmt: skip
    cli_env["SMARTCITY_FIXED_TIME"] = "2026-12-02T16:59:00+01:00"
    early = smartcity("follows", "digest", env=cli_env)
    assert early.returncode == 0, early.stderr
    assert "not due before 17:00 (FOLLOW_DIGEST_HOUR)" in early.stdout
    now = smartcity("follows", "digest", "--now", env=cli_env)
    assert now.returncode == 0, now.stderr
    assert "follow digest: 1 chats due, 0 digests queued with 0 items" in now.stdout


@pytest.mark.parametrize("days", ["-3", "viele", "999999999999"])
def test_retention_purge_rejects_bad_days(cli_env, days):
    result = smartcity("retention", "purge", "--days", days, env=cli_env)
    assert result.returncode == 2 and "usage: smartcity" in result.stderr


def test_run_refuses_a_port_in_use(cli_env):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = smartcity("run", env={**cli_env, "WEB_PORT": str(port)})
    assert result.returncode == 2
    assert f"127.0.0.1:{port} (WEB_PORT) is not available" in result.stderr
    assert "already running" in result.stderr and "Traceback" not in result.stderr


def test_run_names_a_bad_staff_session_key(cli_env):
    done = smartcity("run", env={**cli_env, "STAFF_SESSION_KEY": "kein-schluessel"})
    assert done.returncode == 2
    assert "STAFF_SESSION_KEY must be a Fernet key" in done.stderr


def staff(cli_env, *args, password=None):
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "staff", *args],
        input="" if password is None else password + "\n",  # never a terminal
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=120,
    )


def test_staff_accounts_from_the_command_line(cli_env):
    assert smartcity("db", "upgrade", env=cli_env).returncode == 0
    added = staff(
        cli_env,
        "add-user",
        "Anna",
        "--role",
        "admin",
        "--password-stdin",
        password="ein-langes-passwort",
    )
    assert added.returncode == 0 and "added anna (admin)" in added.stdout
    again = staff(
        cli_env,
        "add-user",
        "anna",
        "--role",
        "reviewer",
        "--password-stdin",
        password="ein-langes-passwort",
    )
    assert again.returncode == 2 and "exists already" in again.stderr
    assert "disabled anna" in staff(cli_env, "disable-user", "anna").stdout
    listed = staff(cli_env, "list-users").stdout
    assert "anna" in listed and "admin" in listed and "disabled" in listed
    reset = staff(
        cli_env,
        "reset-password",
        "anna",
        "--password-stdin",
        password="noch-ein-langes-pw",
    )
    assert reset.returncode == 0 and "sessions have ended" in reset.stdout


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (
            ["add-user", "x", "--role", "admin", "--password-stdin"],
            "ein-langes-passwort",
            "user name must be",
        ),
        (
            ["add-user", "bea", "--role", "admin", "--password-stdin"],
            "kurz",
            "at least 12 characters",
        ),
        (["add-user", "bea", "--role", "admin"], None, "use --password-stdin"),
        (
            ["add-user", "bea", "--role", "chef", "--password-stdin"],
            "x",
            "invalid choice: 'chef'",
        ),
        (["disable-user", "niemand"], None, "there is no user 'niemand'"),
        (
            ["reset-password", "niemand", "--password-stdin"],
            "ein-langes-passwort",
            "there is no user",
        ),
    ],
)
def test_staff_commands_refuse_bad_input_with_one_line(
    cli_env, args, password, message
):
    assert smartcity("db", "upgrade", env=cli_env).returncode == 0
    done = staff(cli_env, *args, password=password)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_suggestion_is_deleted_on_request_and_audited_without_its_text(cli_env):
    """Issue 13: staff had no way to erase a suggestion asked for by letter."""
    from actions.db import suggestions as store
    from actions.db.models import AuditEntry, Notification, Suggestion

    assert smartcity("db", "upgrade", env=cli_env).returncode == 0
    engine = get_engine(cli_env["DATABASE_URL"])
    with Session(engine, future=True) as session, session.begin():
        new = store.NewSuggestion(form_run_id="r", channel="telegram", sender_key="k",
                                  text="Geheime Idee von Frau M.", topic="Sonstiges",
                                  reply_to="telegram:5")  # fmt: skip
        suggestion, _ = store.create(session, new, daily_limit=5)
        store.change_status(session, suggestion, "in_pruefung", actor="anna")
        reference = suggestion.reference
    result = smartcity("suggestions", "delete", reference.lower(), "--actor", "anna",
                       env=cli_env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"deleted suggestion {reference}" in result.stdout
    with Session(engine, future=True) as session:
        assert session.scalar(select(func.count(Suggestion.id))) == 0
        assert session.scalar(select(func.count(Notification.id))) == 0
        (entry,) = session.scalars(select(AuditEntry)).all()
    assert (entry.actor, entry.action, entry.object_id) == (
        "anna", "suggestion_deleted", reference)  # fmt: skip
    assert "Geheime" not in str(entry.before) and entry.after is None
    again = smartcity("suggestions", "delete", reference, env=cli_env)
    assert again.returncode == 2 and "there is no suggestion" in again.stderr


@pytest.mark.parametrize("args", [["V-1"], ["V-7KQ2-M9XD", "--actor", "x" * 41], []])
def test_suggestions_delete_refuses_bad_arguments(cli_env, args):
    smartcity("db", "upgrade", env=cli_env)
    result = smartcity("suggestions", "delete", *args, env=cli_env)
    assert result.returncode == 2 and result.stderr.strip()
    assert "Traceback" not in result.stderr
