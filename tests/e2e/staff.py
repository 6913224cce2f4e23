"""Staff accounts on the running assistant, made with the real `smartcity` CLI."""

from __future__ import annotations

import os
import subprocess
import sys

from core.settings import PROJECT_ROOT
from tests.e2e.assistant import Assistant


def assistant_env(assistant: Assistant) -> dict[str, str]:
    return dict(
        os.environ,
        DATABASE_URL=assistant.database_url,
        SMARTCITY_VAR_DIR=str(assistant.workdir / "var"),
    )


ADDED: dict[str, tuple[str, str]] = {}


def add_staff_user(assistant: Assistant, name: str, role: str, password: str) -> None:
    """`smartcity staff add-user NAME --role ROLE --password-stdin`; once per name.

    The assistant lives for the session: a name two tests give different
    roles or passwords would make the later one fail at its login."""
    known = ADDED.setdefault(name, (role, password))
    assert known == (role, password), f"staff user {name!r} is another test's"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "staff", "add-user", name, "--role", role, "--password-stdin"],
        input=password + "\n",
        env=assistant_env(assistant),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    if done.returncode != 0 and "exists already" not in done.stderr:
        raise AssertionError(done.stderr)


def fill_login(page, name: str, password: str) -> None:
    """The staff login form, filled and sent in the browser (Playwright page)."""
    page.get_by_label("Benutzername").fill(name)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
