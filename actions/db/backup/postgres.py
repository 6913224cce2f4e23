"""PostgreSQL databases out and back in with PostgreSQL's own tools.

pg_dump (custom format) copies from a snapshot that this module exports and
counts the rows in, so the counts in the manifest are those of the dump. The
restore drops the tables and loads the dump in one transaction (pg_restore's
SQL through psql --single-transaction): it succeeds whole or changes nothing.
The password goes to the tools in PGPASSWORD, never on their command line.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.future import create_engine

from actions.db.backup import BackupError
from actions.db.backup.tables import count_query, quoted

TOOLS_HINT = (
    "install PostgreSQL's client tools (Debian: apt-get install postgresql-client), "
    "of the server's major version or newer"
)
TIMEOUT_SECONDS = 6 * 3600


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: {TOOLS_HINT}")
    return found


def _libpq(url: str | URL) -> tuple[str, dict[str, str]]:
    """The database as libpq's URI without the password, and the environment
    that carries the password."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str, **kwargs) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=TIMEOUT_SECONDS, check=False, **kwargs)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise BackupError(f"{what} took longer than {TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {_first_error(done.stderr)}")


def _first_error(stderr: str) -> str:
    """The line that says what went wrong; never psql's DETAIL or CONTEXT
    lines, which may quote a row (a citizen's words)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if "ERROR:" in line or "FATAL:" in line or "error:" in line:
            return line
    return lines[0] if lines else "no message"


@contextlib.contextmanager
def _connection(url: str, **options) -> Iterator[Connection]:
    engine = create_engine(url, future=True, hide_parameters=True, **options)
    try:
        with engine.connect() as connection:
            yield connection
    except SQLAlchemyError as error:
        raise BackupError(f"database: {error.__class__.__name__}: {error}") from None
    finally:
        engine.dispose()


def _tables(connection: Connection) -> list[str]:
    return list(
        connection.scalars(
            text(
                "SELECT table_name FROM information_schema.tables WHERE "
                "table_schema = current_schema() AND table_type = 'BASE TABLE' "
                "ORDER BY table_name"
            )
        )
    )


def _counts(connection: Connection) -> dict[str, int]:
    return {
        table: connection.scalar(text(count_query(table)))
        for table in _tables(connection)
    }


def _revision(connection: Connection) -> str | None:
    if "alembic_version" not in _tables(connection):
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def copy_out(url: str, target: Path) -> tuple[dict[str, int], str | None]:
    """pg_dump of the database at `url` into `target`; the rows per table and
    the schema revision, both as the dump has them."""
    pg_dump = _tool("pg_dump")
    dsn, env = _libpq(url)
    snapshot_reader = _connection(url, isolation_level="REPEATABLE READ")
    with snapshot_reader as connection, connection.begin():
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        rows, revision = _counts(connection), _revision(connection)
        _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                  f"--snapshot={snapshot}", f"--file={target}", f"--dbname={dsn}"],
                 env, "pg_dump")  # fmt: skip
    return rows, revision


def row_counts(url: str) -> dict[str, int]:
    with _connection(url) as connection:
        return _counts(connection)


def schema_revision(url: str) -> str | None:
    with _connection(url) as connection:
        return _revision(connection)


def is_empty(url: str) -> bool:
    with _connection(url) as connection:
        return not _tables(connection)


def copy_in(source: Path, url: str) -> None:
    """Replace every table of the database at `url` with the dump `source`,
    in one transaction: psql commits only once pg_restore has written all of
    it; should pg_restore fail, psql is stopped first and nothing commits."""
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    dsn, env = _libpq(url)
    with _connection(url) as connection:
        drops = "".join(
            f"DROP TABLE IF EXISTS {quoted(t)} CASCADE;\n" for t in _tables(connection)
        )
    reader = subprocess.Popen(
        [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(source)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    loader = subprocess.Popen(
        [psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
         "--single-transaction", f"--dbname={dsn}", "--file=-"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=env,
    )  # fmt: skip
    try:
        _pump(drops.encode(), reader, loader)
    finally:
        for process in (reader, loader):
            if process.poll() is None:
                process.kill()  # psql killed before its COMMIT: nothing changes
            process.wait()
            for pipe in (process.stdin, process.stdout, process.stderr):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()


def _pump(prelude: bytes, reader: subprocess.Popen, loader: subprocess.Popen) -> None:
    try:
        loader.stdin.write(prelude)
        while chunk := reader.stdout.read(1 << 16):
            loader.stdin.write(chunk)
    except BrokenPipeError:
        pass  # psql stopped at an error; it says which below
    if reader.wait() != 0:
        loader.kill()
        loader.wait()
        error = reader.stderr.read().decode(errors="replace")
        raise BackupError(f"pg_restore failed: {_first_error(error)}")
    with contextlib.suppress(BrokenPipeError):
        loader.stdin.close()  # end of input: psql commits
    if loader.wait() != 0:
        error = loader.stderr.read().decode(errors="replace")
        raise BackupError(f"the restore (psql) failed: {_first_error(error)}")


@contextlib.contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """A new, empty database on the server of `url`, dropped afterwards: where
    a check restores a backup without touching the real one."""
    name = f"smartcity_check_{secrets.token_hex(6)}"
    admin = {"isolation_level": "AUTOCOMMIT"}
    with _connection(url, **admin) as connection:
        try:
            connection.execute(text(f"CREATE DATABASE {quoted(name)}"))
        except SQLAlchemyError as error:
            raise BackupError(
                f"cannot create a scratch database to check the backup in "
                f"({error.__class__.__name__}: {error}); the check needs a user "
                "that may create databases (CREATEDB)"
            ) from None
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with _connection(url, **admin) as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {quoted(name)}"))
