"""The `smartcity` command: database, content and running the assistant."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.settings import Settings, SettingsError


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from actions.db.session import upgrade

    upgrade(settings.database_url)
    print("database schema is up to date")
    return 0


def _content_import(settings: Settings, args: argparse.Namespace) -> int:
    from actions.content import import_content, load_content
    from actions.db.models import Project
    from actions.db.session import get_engine

    content = load_content(args.path)
    if args.check:
        print(
            f"{args.path}: {len(content.projects)} projects, {len(content.events)} events, OK"
        )
        return 0
    with Session(
        get_engine(settings.database_url), future=True
    ) as session, session.begin():
        if args.if_empty and session.scalar(select(func.count(Project.id))):
            print(
                "database already has content; nothing imported (drop --if-empty to update)"
            )
            return 0
        report = import_content(
            session,
            content,
            today=datetime.now(settings.tz).date(),
            tz=settings.tz,
            prune=args.prune,
        )
    print(f"imported {args.path}: {report}")
    return 0


def _retention_purge(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import timedelta, timezone

    from actions.db import suggestions
    from actions.db.session import get_engine

    days = args.days if args.days is not None else settings.retention_days
    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    with Session(
        get_engine(settings.database_url), future=True
    ) as session, session.begin():
        purged = suggestions.purge_contact_data(session, closed_before=cutoff)
    print(
        f"removed contact data from {purged} suggestions closed more than {days} days ago"
    )
    return 0


def _non_negative_days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a whole number of days: {text!r}"
        ) from None
    if days < 0:
        raise argparse.ArgumentTypeError("days cannot be negative")
    return days


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
        "purge", help="remove contact data from suggestions closed long ago"
    )
    purge.add_argument(
        "--days",
        type=_non_negative_days,
        help="closed for more than this many days (default: RETENTION_DAYS, 180)",
    )
    purge.set_defaults(handler=_retention_purge)

    commands.add_parser("run", help="start the action server and Rasa").set_defaults(
        handler=_run
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from actions.content import ContentError
    from bot.launcher import LaunchError

    try:
        settings = Settings.from_env()
        logging.basicConfig(
            level=settings.log_level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        return args.handler(settings, args)
    except (SettingsError, ContentError, LaunchError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(f"error: database: {error.__class__.__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
