"""One real assistant (action server + Rasa) for the whole end-to-end session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.launcher import LaunchError, find_model
from bot.settings import PROJECT_ROOT
from tests.e2e.assistant import Assistant, StartupError, is_listening, start


@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> Iterator[Assistant]:
    try:
        find_model(PROJECT_ROOT / "models")
    except LaunchError as error:
        pytest.fail(f"{error} (make test trains it)")
    try:
        running = start(tmp_path_factory.mktemp("e2e"))
    except StartupError as error:
        pytest.fail(str(error))
    yield running
    # Ctrl-C must stop the launcher and both servers cleanly.
    assert running.stop() == 0, running.log.read_text()[-3000:]
    assert not is_listening(running.rasa_port)
    assert not is_listening(running.action_port)
    errors = [
        line for line in running.log.read_text().splitlines() if " ERROR " in line
    ]
    assert not errors, "\n".join(errors[:10])
