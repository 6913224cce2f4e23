"""With the database unreachable, every DB action apologises instead of crashing."""

import pytest

from actions.sdk.event_actions import ActionListEvents
from actions.sdk.project_actions import ActionListProjects, ActionProjectInfo
from core.settings import get_settings
from tests.helpers import responses


@pytest.fixture(
    params=[
        "postgresql+psycopg2://postgres@127.0.0.1:1/nowhere",
        "sqlite:////proc/no-such-dir/smartcity.db",
    ]
)
def unreachable_db(request, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", request.param)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "action", [ActionProjectInfo, ActionListProjects, ActionListEvents]
)
async def test_apology_when_database_is_down(
    unreachable_db, dispatcher, make_tracker, action, caplog
):
    events = await action().run(
        dispatcher, make_tracker("Projekte", "ask_projects"), domain={}
    )
    assert events == []
    assert responses(dispatcher) == ["utter_db_unavailable"]
    assert "database unavailable" in caplog.text
