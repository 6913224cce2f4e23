"""Issue 30.12: staff see a burst of supports, and how much of it came from
one client address, on the suggestion's page and on the dashboard."""

from __future__ import annotations

import uuid
from datetime import timedelta
from html import unescape

from actions.db import review, supports
from actions.db.models import utcnow
from actions.db.session import in_transaction
from tests.bot.staff.helpers import add_suggestion, login

ADDRESS, OTHER = "a1" * 16, "b2" * 16


def back(settings, reference: str, *addresses: str | None, minutes_ago: int = 5):
    def work(s):
        for address in addresses:
            supports.add(s, reference, uuid.uuid4().hex, channel="web",
                         address_key=address, daily_limit=100,
                         now=utcnow() - timedelta(minutes=minutes_ago))  # fmt: skip

    in_transaction(settings.database_url, work)


def published(settings, title: str) -> str:
    reference = add_suggestion(settings, f"{title}, bitte sehr", public=True)
    in_transaction(
        settings.database_url,
        lambda s: review.publish(s, reference, title, actor="anna"),
    )
    return reference


async def test_the_suggestion_page_shows_the_last_hour_and_one_address(
    client, staff_settings
):
    reference = published(staff_settings, "Zebrastreifen Kotten")
    back(staff_settings, reference, ADDRESS, ADDRESS, ADDRESS, OTHER, None)
    back(staff_settings, reference, ADDRESS, minutes_ago=90)
    await login(client, "rudi")
    page = unescape(await (await client.get(f"/staff/suggestions/{reference}")).text())
    assert "6-mal" in page
    assert "5 Unterstützungen in der letzten Stunde, davon 3 von einer Adresse" in page


async def test_a_quiet_suggestion_says_nothing_about_the_last_hour(
    client, staff_settings
):
    reference = published(staff_settings, "Mehr Bänke im Park")
    back(staff_settings, reference, ADDRESS, minutes_ago=90)
    await login(client, "rudi")
    page = unescape(await (await client.get(f"/staff/suggestions/{reference}")).text())
    assert "in der letzten Stunde" not in page


async def test_the_dashboard_lists_the_suggestions_backed_in_the_last_hour(
    client, staff_settings
):
    busy = published(staff_settings, "Zebrastreifen Kotten")
    calm = published(staff_settings, "Mehr Bänke im Park")
    back(staff_settings, busy, ADDRESS, ADDRESS, ADDRESS, ADDRESS)
    back(staff_settings, calm, OTHER)
    await login(client, "rudi")
    page = unescape(await (await client.get("/staff")).text())
    assert "Unterstützung in der letzten Stunde" in page
    assert page.index(busy) < page.index(calm)
    assert "4 Unterstützungen in der letzten Stunde, davon 4 von einer Adresse" in page
