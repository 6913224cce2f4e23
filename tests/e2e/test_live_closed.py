"""Outside office hours on a running assistant of its own (the clock is fixed on
Christmas Day): no live chat even with someone available, but the hours and a
message for the team that lands in the staff inbox."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest

from tests.e2e.assistant import Assistant, StartupError, start
from tests.e2e.live import logged_in, staff_session
from tests.e2e.test_live_chat import HUMAN, Widget, texts

CHRISTMAS_MORNING = "2026-12-25T10:00:00+01:00"


@pytest.fixture(scope="module")
def closed_office(tmp_path_factory) -> Iterator[Assistant]:
    try:
        running = start(
            tmp_path_factory.mktemp("closed"),
            {"SMARTCITY_FIXED_TIME": CHRISTMAS_MORNING, "TELEGRAM_BOT_TOKEN": ""},
        )
    except StartupError as error:
        pytest.fail(str(error))
    yield running
    assert running.stop() == 0, running.log.read_text()[-3000:]


async def test_on_a_holiday_the_citizen_leaves_a_message_for_the_team(closed_office):
    async with staff_session() as http:
        staff = await logged_in(closed_office, http)
        await staff.available()  # someone is there, but the office is closed
        widget = Widget(http, closed_office.web_url)
        reply = await widget.say(HUMAN)
        assert reply["live"] is False
        said = texts(reply)
        assert "Heute ist Erster Weihnachtstag, das Büro ist geschlossen." in said
        assert "Sprechzeiten:" in said
        assert reply["messages"][0]["buttons"][0]["payload"] == "/leave_message"
        assert await staff.queue() == []

        assert "Was möchten Sie dem Team mitteilen?" in texts(
            await widget.say("/leave_message")
        )
        await widget.say("Bitte rufen Sie mich nach den Feiertagen wegen WLAN an.")
        done = texts(await widget.say("0631 123456"))
        reference = next(w for w in done.split() if w.startswith("R-")).rstrip(".,")
        inbox = html.unescape(await staff.page("/callbacks"))
        assert reference in inbox and "nach den Feiertagen wegen WLAN" in inbox
        detail = html.unescape(await staff.page(f"/callbacks/{reference}"))
        assert "0631 123456" in detail and "offen" in detail
