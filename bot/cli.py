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
        follows,
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
            follows.purge_older_than(session, days, now=now),
        )

    (contacts, notes, sent, pictures, chats, calls, rated, answers,
     audited, reviewed, followed) = _in_transaction(settings, work)  # fmt: skip
    events = conversations.purge_before(settings.tracker_store_url, cutoff)
    print(
        f"older than {days} days: contact data removed from {contacts} closed "
        f"suggestions, {notes} internal notes, {sent} notifications, "
        f"{pictures} photos, {chats} live chats, {calls} answered callback requests, "
        f"{answers} answers to the team, {reviewed} reviewed messages, "
        f"{followed} follows not renewed and {events} conversation events deleted; "
        f"words removed from {rated} ratings and {audited} audit entries"
    )
    _prune_deletion_journal(settings, now)
    return 0


def _prune_deletion_journal(settings: Settings, now: datetime) -> None:
    """Entries older than the oldest backup kept (BACKUP_KEEP_DAYS, and a day
    for the timer's slack) are needed by no restore."""
    from datetime import timedelta

    from core.deletion_journal import DeletionJournal

    days = settings.backup_keep_days + 1
    pruned = DeletionJournal(settings.deletion_journal).prune(
        now - timedelta(days=days)
    )
    if pruned:
        print(f"deletion journal: {pruned} entries older than {days} days pruned")


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
    from core.deletion_journal import SUGGESTION, note

    try:
        reference = _in_transaction(
            settings, lambda s: review.delete(s, args.reference, actor=args.actor)
        )
    except review.ReviewError:
        print(f"error: there is no suggestion {args.reference!r}", file=sys.stderr)
        return 2
    print(f"deleted suggestion {reference} with its history and notifications")
    # A restore of an older backup deletes it again (core.deletion_journal).
    if not note(settings.deletion_journal, SUGGESTION, reference=reference):
        print(
            f"error: the deletion is not in the deletion journal "
            f"{settings.deletion_journal}: a restore of an older backup would "
            "bring the suggestion back (see the log line above)",
            file=sys.stderr,
        )
        return 1
    return 0


def _current_model(settings: Settings) -> Path | None:
    """The model the assistant runs (or would start with): the deployed one,
    else the newest in RASA_MODEL; None without any."""
    from bot.launcher import LaunchError, model_to_load

    try:
        return model_to_load(settings)
    except LaunchError:
        return None


def _rows(manifest) -> str:
    """What a backup holds, in the words of the city's operator."""
    count = manifest.rows
    return (
        f"{count('suggestions'):,} suggestions, {count('suggestion_photos'):,} "
        f"photos, {count('suggestion_supports'):,} supports, "
        f"{count('suggestion_status_changes'):,} status changes; "
        f"{count('events'):,} conversation events"
    )


def _backup(settings: Settings, args: argparse.Namespace) -> int:
    from actions.db.backup.make import make_backup
    from actions.db.backup.manifest import describe_model
    from core.files import make_runtime_private

    make_runtime_private(settings.var_dir)
    made = make_backup(settings, args.output, _current_model(settings))
    manifest = made.manifest
    print(
        f"backup written: {made.path} ({made.bytes / 1e6:.1f} MB in "
        f"{made.seconds:.1f} s)\n"
        f"  schema {manifest.schema_revision}; {_rows(manifest)}\n"
        f"  model: {describe_model(manifest.model)}"
    )
    keys = len(settings.backup_recipients)
    print(
        f"  encrypted for {keys} age key(s)"
        if keys
        else "  NOT encrypted: set BACKUP_RECIPIENT to an age public key"
    )
    if made.removed:
        names = ", ".join(path.name for path in made.removed)
        print(
            f"removed {len(made.removed)} backups older than "
            f"{settings.backup_keep_days} days (BACKUP_KEEP_DAYS): {names}"
        )
    return 0


def _restore(settings: Settings, args: argparse.Namespace) -> int:
    from actions.db.backup import BackupError
    from actions.db.backup.restore import check, restore
    from bot.launcher import LaunchError, check_ports_free
    from core.files import make_runtime_private

    make_runtime_private(settings.var_dir)
    model = _current_model(settings)
    if args.check:
        checked = check(settings, args.file, args.identity, model)
        made = f"{checked.manifest.created_at:%Y-%m-%d %H:%M} UTC"
        print(
            f"backup OK: {args.file} (made {made}, schema "
            f"{checked.manifest.schema_revision}, {checked.schema}); restored "
            f"into scratch databases and migrated: {_rows(checked.manifest)}"
        )
        for line in checked.notes:
            print(f"  {line}")
        return 0
    try:
        check_ports_free(settings)
    except LaunchError as error:
        raise BackupError(f"stop the assistant before a restore: {error}") from None
    done = restore(settings, args.file, args.identity, overwrite=args.yes,
                   journal_lost=args.journal_lost, model=model)  # fmt: skip
    manifest, again = done.manifest, done.reapplied
    print(
        f"restored {args.file} (made {manifest.created_at:%Y-%m-%d %H:%M} UTC, "
        f"schema {manifest.schema_revision} -> {done.schema_to})\n"
        f"  {_rows(manifest)}\n"
        f"  deleted again ({again.deletions} deletions journaled since the "
        f"backup): {again.suggestions} suggestions, {again.notifications} "
        f"notifications, {again.addresses} e-mail addresses; "
        f"{done.conversations_erased} conversations ({done.events_erased} events)"
    )
    for line in done.notes:
        print(f"  {line}")
    # A backup may hold what the retention period has removed since.
    return _retention_purge(settings, argparse.Namespace(days=None))


def _add_backup_commands(commands) -> None:
    backup = commands.add_parser(
        "backup",
        help="write one compressed (and, with BACKUP_RECIPIENT, encrypted) file "
        "with every database; safe while the assistant runs",
    )
    backup.add_argument(
        "--output",
        metavar="FILE|DIR",
        help="a new file, or a folder (default: BACKUP_DIR, var/backups/); in a "
        "folder, backups older than BACKUP_KEEP_DAYS are removed",
    )
    backup.set_defaults(handler=_backup)
    restore = commands.add_parser(
        "restore",
        help="restore a backup (with the assistant stopped), migrate it and "
        "delete again what was deleted since; --check only verifies it",
    )
    restore.add_argument("file", type=Path, help="a file from `smartcity backup`")
    restore.add_argument(
        "--check",
        action="store_true",
        help="restore into scratch databases only and compare the rows; "
        "the live databases stay untouched",
    )
    restore.add_argument(
        "--identity", type=Path, metavar="FILE", help="age private key, if encrypted"
    )
    restore.add_argument(
        "--yes", action="store_true", help="replace databases that hold data"
    )
    restore.add_argument(
        "--journal-lost",
        action="store_true",
        help="restore although the deletion journal is lost (deletions after "
        "the backup are then not applied again)",
    )
    restore.set_defaults(handler=_restore)


def _follows_digest(settings: Settings, args: argparse.Namespace) -> int:
    from bot.shared.follow_digest import describe, is_due, run_once

    now = settings.now()
    if not (args.now or is_due(settings, now)):
        print(
            f"not due before {settings.follow_digest_hour}:00 "
            "(FOLLOW_DIGEST_HOUR); --now sends it at once"
        )
        return 0
    report = _in_transaction(settings, lambda s: run_once(settings, s, now))
    # The web app delivers the queued rows with its next poll.
    print(f"follow digest: {describe(report)}")
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


def _model_command(action):
    """Runs a `smartcity model` action; a deploy that cannot start is one line."""

    def handle(settings: Settings, args: argparse.Namespace) -> int:
        from bot import model_deploy

        try:
            return action(model_deploy, settings, args)
        except model_deploy.DeployError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2

    return handle


def _model_deploy(model_deploy, settings: Settings, args: argparse.Namespace) -> int:
    from bot.model_checks import model_problems

    check = None if args.skip_checks else model_problems
    return model_deploy.deploy(
        settings, args.file, check=check, worker_timeout=args.timeout
    )


def _model_rollback(model_deploy, settings: Settings, args: argparse.Namespace) -> int:
    return model_deploy.rollback(settings, worker_timeout=args.timeout)


def _model_status(model_deploy, settings: Settings, _args: argparse.Namespace) -> int:
    return model_deploy.describe(settings)


def _add_model_commands(commands) -> None:
    model = commands.add_parser(
        "model", help="deploy a trained model to the running assistant"
    ).add_subparsers(dest="model_command", required=True, metavar="ACTION")
    deploy = model.add_parser(
        "deploy",
        help="check a model, then switch every Rasa worker of this host to it "
        "one at a time, without downtime; rolls back if a worker fails",
    )
    deploy.add_argument("file", type=Path, help="a model archive from `make train`")
    deploy.add_argument(
        "--skip-checks",
        action="store_true",
        help="emergencies only: no test stories, no NLU gate, not even a load test",
    )
    rollback = model.add_parser(
        "rollback", help="switch back to the model deployed before the current one"
    )
    for parser_ in (deploy, rollback):
        parser_.add_argument(
            "--timeout",
            type=float,
            default=120.0,
            help="seconds each worker may take to switch (default 120)",
        )
    deploy.set_defaults(handler=_model_command(_model_deploy))
    rollback.set_defaults(handler=_model_command(_model_rollback))
    model.add_parser(
        "status", help="the deployed model and what each Rasa worker serves"
    ).set_defaults(handler=_model_command(_model_status))


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

    followed = commands.add_parser(
        "follows", help="what citizens follow"
    ).add_subparsers(dest="follows_command", required=True, metavar="ACTION")
    digest = followed.add_parser(
        "digest",
        help="queue today's digest for every chat that has not had it "
        "(the web app does this from FOLLOW_DIGEST_HOUR on)",
    )
    digest.add_argument(
        "--now", action="store_true", help="also before FOLLOW_DIGEST_HOUR"
    )
    digest.set_defaults(handler=_follows_digest)

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

    _add_backup_commands(commands)

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

    _add_model_commands(commands)

    commands.add_parser("run", help="start the action server and Rasa").set_defaults(
        handler=_run
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from actions.db.accounts import AccountError
    from actions.db.backup import BackupError
    from bot.launcher import LaunchError
    from core.content import ContentError
    from core.deletion_journal import JournalError

    try:
        settings = Settings.from_env()
        process = "launcher" if args.handler is _run else "cli"
        configure_logging(settings.log_level, settings.log_format, process)
        return args.handler(settings, args)
    except (SettingsError, ContentError, LaunchError, AccountError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (BackupError, JournalError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        print(f"error: database: {error.__class__.__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
