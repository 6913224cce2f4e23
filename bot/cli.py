"""The `smartcity` command: database, content and running the assistant."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from core.logs import configure_logging
from core.settings import PROJECT_ROOT, Settings, SettingsError

MAX_DAYS = 36_500  # a century; more would overflow the date arithmetic


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from actions.db.session import upgrade
    from core.files import make_runtime_private

    make_runtime_private(settings.var_dir)
    upgrade(settings.database_url)
    print("database schema is up to date")
    return 0


def _content_import(settings: Settings, args: argparse.Namespace) -> int:
    from actions.db import projects, responses
    from actions.db.content import import_content
    from core.content import load_content
    from core.responses import shipped_texts

    content, shipped = load_content(args.path), shipped_texts()
    if args.check:
        print(
            f"{args.path}: {len(content.projects)} projects, {len(content.events)} events, OK"
        )
        return 0

    # The answers are seeded every time: that never touches a staff edit.
    print(_in_transaction(settings, lambda s: responses.seed(s, shipped)))

    def work(session):
        if args.if_empty and projects.any_project(session):
            return None
        return import_content(
            session,
            content,
            today=datetime.now(settings.tz).date(),
            tz=settings.tz,
            prune=args.prune,
        )

    report = _in_transaction(settings, work)
    if report is None:
        print(
            "database already has content; nothing imported (drop --if-empty to update)"
        )
        return 0
    print(f"imported {args.path}: {report}")
    return 0


def _retention_purge(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import timedelta, timezone

    from actions.db import (
        audit,
        callbacks,
        conversations,
        live,
        nlu_review,
        notifications,
        photos,
        ratings,
        suggestions,
        threads,
    )

    days = args.days if args.days is not None else settings.retention_days
    now = datetime.now(timezone.utc)
    cutoff = now - timedelta(days=days)

    def work(session):
        return (
            suggestions.purge_contact_data(session, closed_before=cutoff),
            suggestions.purge_internal_notes(session, closed_before=cutoff),
            notifications.purge_before(session, before=cutoff),
            photos.purge(session, now=now, closed_before=cutoff),
            live.purge_ended_before(session, cutoff),
            callbacks.purge_done_before(session, cutoff),
            ratings.purge_words_before(session, cutoff),
            threads.purge_before(session, cutoff),
            audit.purge_words_before(session, cutoff),
            nlu_review.purge_decided_before(session, cutoff),
        )

    (contacts, notes, sent, pictures, chats, calls, rated, answers,
     audited, reviewed) = _in_transaction(settings, work)  # fmt: skip
    events = conversations.purge_before(settings.tracker_store_url, cutoff)
    print(
        f"older than {days} days: contact data removed from {contacts} closed "
        f"suggestions, {notes} internal notes, {sent} notifications, "
        f"{pictures} photos, {chats} live chats, {calls} answered callback requests, "
        f"{answers} answers to the team, {reviewed} reviewed messages and "
        f"{events} conversation events deleted; "
        f"words removed from {rated} ratings and {audited} audit entries"
    )
    return 0


def _nlu_export_reviewed(settings: Settings, args: argparse.Namespace) -> int:
    import yaml

    from actions.db import nlu_review

    out: Path = args.out
    data_dir = PROJECT_ROOT / "data" / "nlu"
    try:
        text, written, skipped = _in_transaction(
            settings, lambda s: nlu_review.export(s, data_dir, out)
        )
    except (OSError, yaml.YAMLError) as error:
        print(f"error: the NLU training data cannot be read: {error}", file=sys.stderr)
        return 2
    if not written:
        print(f"nothing to export ({skipped} reviewed messages are already examples)")
        return 0
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"error: cannot write {out}: {error}", file=sys.stderr)
        return 2
    print(
        f"wrote {written} examples to {out} ({skipped} already in the training "
        "data left out); review the file, then `make train`"
    )
    return 0


def _non_negative_days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a whole number of days: {text!r}"
        ) from None
    if not 0 <= days <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"days must be between 0 and {MAX_DAYS}")
    return days


def _in_transaction(settings: Settings, work):
    # Imported here: `smartcity --help` should not wait for SQLAlchemy and Alembic.
    from actions.db.session import in_transaction

    return in_transaction(settings.database_url, work)


def _read_password(args: argparse.Namespace) -> str:
    """From stdin (one line) with --password-stdin, else typed twice at a terminal."""
    from actions.db.accounts import AccountError

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != password:
            raise AccountError("the passwords differ")
    else:
        raise AccountError("no terminal to ask for the password; use --password-stdin")
    return password


def _staff_add(settings: Settings, args: argparse.Namespace) -> int:
    from actions.db import accounts

    password = _read_password(args)
    name = _in_transaction(
        settings,
        lambda s: accounts.add_user(
            s, args.name, args.role, password, actor="cli"
        ).username,
    )
    print(f"added {name} ({args.role})")
    return 0


def _staff_list(settings: Settings, _args: argparse.Namespace) -> int:
    from actions.db import accounts

    def work(session):
        return [
            (u.username, u.role, "active" if u.active else "disabled", u.last_login_at)
            for u in accounts.all_users(session)
        ]

    rows = _in_transaction(settings, work)
    if not rows:
        print(
            "no staff users yet; add one with: smartcity staff add-user NAME --role admin"
        )
    for name, role, state, last_login in rows:
        seen = (
            last_login.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
            if last_login
            else "never"
        )
        print(f"{name:<24} {role:<9} {state:<9} last login: {seen}")
    return 0


def _staff_set_active(active: bool):
    def handle(settings: Settings, args: argparse.Namespace) -> int:
        from actions.db import accounts

        _in_transaction(
            settings, lambda s: accounts.set_active(s, args.name, active, actor="cli")
        )
        print(f"{'enabled' if active else 'disabled'} {args.name}")
        return 0

    return handle


def _staff_reset(settings: Settings, args: argparse.Namespace) -> int:
    from actions.db import accounts

    password = _read_password(args)
    _in_transaction(
        settings,
        lambda s: accounts.reset_password(s, args.name, password, actor="cli"),
    )
    print(f"new password set for {args.name}; their sessions have ended")
    return 0


def _actor(text: str) -> str:
    text = text.strip()
    if not 0 < len(text) <= 40 or not text.isprintable():
        raise argparse.ArgumentTypeError("the actor must be 1-40 printable characters")
    return text


def _suggestions_delete(settings: Settings, args: argparse.Namespace) -> int:
    """Erase a suggestion on its author's request (GDPR Art. 17), audited."""
    from actions.db import review

    try:
        reference = _in_transaction(
            settings, lambda s: review.delete(s, args.reference, actor=args.actor)
        )
    except review.ReviewError:
        print(f"error: there is no suggestion {args.reference!r}", file=sys.stderr)
        return 2
    print(f"deleted suggestion {reference} with its history and notifications")
    return 0


def _events_import_ics(settings: Settings, args: argparse.Namespace) -> int:
    from actions.db import ics
    from core.content import ContentError, load_topics

    try:
        data = args.file.read_bytes()
    except OSError as error:
        raise ContentError(f"{args.file}: {error.strerror}") from None
    topics = {
        name.casefold(): t.name
        for t in load_topics(settings.content_dir)
        for name in (t.name, *t.aliases)
    }
    try:
        report = _in_transaction(
            settings,
            lambda s: ics.import_events(
                s, data, tz=settings.tz, topics=topics, feed=f"file:{args.file.name}"
            ),
        )
    except ics.IcsError as error:
        raise ContentError(f"{args.file}: not an iCalendar file ({error})") from None
    print(
        f"imported {args.file}: {report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.removed} cancelled and removed"
    )
    for reason in report.skipped:
        print(f"skipped: {reason}", file=sys.stderr)
    return 0


def _content_export_projects(settings: Settings, args: argparse.Namespace) -> int:
    from actions.db import projects
    from actions.db.content import dump_projects

    target = args.to or settings.content_dir / "projects.yml"
    text = _in_transaction(settings, lambda s: dump_projects(projects.all_projects(s)))
    target.write_text(text, encoding="utf-8")
    print(f"wrote the projects of the database to {target}; now run: make train")
    return 0


def _run(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.launcher import run

    return run(settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smartcity",
        description="Smart-City assistant: database, content and servers.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True, metavar="ACTION"
    )
    db.add_parser(
        "upgrade", help="migrate the schema to the newest version"
    ).set_defaults(handler=_db_upgrade)

    content = commands.add_parser("content", help="projects and events").add_subparsers(
        dest="content_command", required=True, metavar="ACTION"
    )
    importer = content.add_parser(
        "import", help="validate and import a content directory"
    )
    importer.add_argument(
        "path", type=Path, help="directory with topics.yml, projects.yml, ..."
    )
    importer.add_argument(
        "--prune", action="store_true", help="remove what the files lack"
    )
    importer.add_argument(
        "--if-empty", action="store_true", help="import only into an empty database"
    )
    importer.add_argument("--check", action="store_true", help="validate only")
    importer.set_defaults(handler=_content_import)

    retention = commands.add_parser("retention", help="data retention").add_subparsers(
        dest="retention_command", required=True, metavar="ACTION"
    )
    purge = retention.add_parser(
        "purge",
        help="remove contact data, staff notes, delivered notifications and conversations "
        "older than the retention period",
    )
    purge.add_argument(
        "--days",
        type=_non_negative_days,
        help="closed for more than this many days (default: RETENTION_DAYS, 180)",
    )
    purge.set_defaults(handler=_retention_purge)

    exporter = content.add_parser(
        "export-projects",
        help="write the projects of the database to projects.yml, for training",
    )
    exporter.add_argument(
        "--to", type=Path, help="target file (default: CONTENT_DIR/projects.yml)"
    )
    exporter.set_defaults(handler=_content_export_projects)

    events = commands.add_parser("events", help="events").add_subparsers(
        dest="events_command", required=True, metavar="ACTION"
    )
    ics_import = events.add_parser(
        "import-ics", help="import events from an iCalendar file (by UID)"
    )
    ics_import.add_argument("file", type=Path, help="an .ics file")
    ics_import.set_defaults(handler=_events_import_ics)

    staff = commands.add_parser("staff", help="staff accounts").add_subparsers(
        dest="staff_command", required=True, metavar="ACTION"
    )
    add_user = staff.add_parser("add-user", help="create a staff account")
    add_user.add_argument("name", help="user name: a-z, 0-9, '.', '_', '-'")
    add_user.add_argument("--role", required=True, choices=["reviewer", "admin"])
    add_user.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    add_user.set_defaults(handler=_staff_add)
    staff.add_parser("list-users", help="list staff accounts").set_defaults(
        handler=_staff_list
    )
    for action, active, text in (
        ("disable-user", False, "lock an account and end its sessions"),
        ("enable-user", True, "unlock an account"),
    ):
        parser_ = staff.add_parser(action, help=text)
        parser_.add_argument("name")
        parser_.set_defaults(handler=_staff_set_active(active))
    reset = staff.add_parser(
        "reset-password", help="set a new password and end the user's sessions"
    )
    reset.add_argument("name")
    reset.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    reset.set_defaults(handler=_staff_reset)

    suggestions = commands.add_parser(
        "suggestions", help="citizens' suggestions"
    ).add_subparsers(dest="suggestions_command", required=True, metavar="ACTION")
    delete = suggestions.add_parser(
        "delete", help="erase one suggestion on its author's request (GDPR Art. 17)"
    )
    delete.add_argument("reference", help="the reference, e.g. V-7KQ2-M9XD")
    delete.add_argument(
        "--actor", default="cli", type=_actor, help="who did it, for the audit log"
    )
    delete.set_defaults(handler=_suggestions_delete)

    nlu = commands.add_parser("nlu", help="training data").add_subparsers(
        dest="nlu_command", required=True, metavar="ACTION"
    )
    reviewed = nlu.add_parser(
        "export-reviewed",
        help="write the staff's decisions on missed messages as Rasa NLU YAML",
    )
    reviewed.add_argument(
        "--out",
        type=Path,
        default=PROJECT_ROOT / "data" / "nlu" / "reviewed.yml",
        help="target file (default: data/nlu/reviewed.yml, read by `make train`)",
    )
    reviewed.set_defaults(handler=_nlu_export_reviewed)

    commands.add_parser("run", help="start the action server and Rasa").set_defaults(
        handler=_run
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from actions.db.accounts import AccountError
    from bot.launcher import LaunchError
    from core.content import ContentError

    try:
        settings = Settings.from_env()
        configure_logging(settings.log_level)
        return args.handler(settings, args)
    except (SettingsError, ContentError, LaunchError, AccountError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(f"error: database: {error.__class__.__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
