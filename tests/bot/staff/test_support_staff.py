"""Staff see support counts, similar suggestions (also unpublished), and merge a
duplicate with one click: its voices move to the original."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import func, select

from actions.db import review, supports
from actions.db import suggestions as store
from actions.db.models import Notification, Support
from actions.db.session import in_transaction
from tests.bot.staff.helpers import add_suggestion, login, post_form
from tests.bot.staff.test_export import export

ORIGINAL = "Vor der Grundschule in Kotten fehlt ein Zebrastreifen"
DUPLICATE = "Zebrastreifen an der Grundschule Kotten, bitte"


def publish_and_back(settings, reference: str, *fans: str, news: bool = False) -> None:
    def work(s):
        review.publish(s, reference, "Zebrastreifen Kotten", actor="anna")
        for fan in fans:
            supports.add(s, reference, fan, channel="web",
                         reply_to=f"web:{fan}" if news else None)  # fmt: skip

    in_transaction(settings.database_url, work)


def references(page: str) -> list[str]:
    return re.findall(r">(V-[0-9A-Z]{4}-[0-9A-Z]{4})</a>", page)


async def test_counts_in_the_inbox_sorted_and_in_the_csv(client, staff_settings):
    few = add_suggestion(staff_settings, "Mehr Bänke im Park", public=True)
    many = add_suggestion(staff_settings, ORIGINAL, public=True)
    publish_and_back(staff_settings, few, "a")
    publish_and_back(staff_settings, many, "a", "b", "c")
    await login(client, "rudi")
    page = await (await client.get("/staff/suggestions?sort=unterstuetzt")).text()
    assert references(page)[:2] == [many, few]
    assert "Meiste Unterstützung" in page
    _type, table = await export(client)
    column = table[0].index("Unterstützer")
    counts = {row[0]: row[column] for row in table[1:]}
    assert (counts[many], counts[few]) == ("3", "1")


async def test_similar_ones_are_listed_for_staff_and_merged_in_one_click(
    client, staff_settings
):
    original = add_suggestion(
        staff_settings, ORIGINAL, public=True, reply_to="web:author"
    )
    duplicate = add_suggestion(staff_settings, DUPLICATE, public=True,
                               reply_to="web:second-author")  # fmt: skip
    publish_and_back(staff_settings, original, "fan-1", news=True)
    publish_and_back(staff_settings, duplicate, "fan-1", "fan-2", news=True)
    unrelated = add_suggestion(staff_settings, "Längere Öffnungszeiten der Bibliothek")
    await login(client, "rudi")
    page = unescape(await (await client.get(f"/staff/suggestions/{duplicate}")).text())
    assert "Ähnliche Vorschläge" in page and original in page and unrelated not in page

    path = f"/staff/suggestions/{duplicate}"
    response = await post_form(
        client, f"{path}/duplicate", {"original": original}, path
    )
    assert response.status == 303

    def state(s):
        original_row = store.by_reference(s, original)
        backers = s.scalars(select(Support.reply_to).where(
            Support.suggestion_id == original_row.id)).all()  # fmt: skip
        left = s.scalar(select(func.count(Support.id)).where(
            Support.suggestion_id == store.by_reference(s, duplicate).id))  # fmt: skip
        store.change_status(s, original_row, "in_pruefung", actor="anna")
        return original_row.id, sorted(backers), left

    original_id, backers, left = in_transaction(staff_settings.database_url, state)
    # fan-1 backed both: counted once; the duplicate's author joins with news.
    assert backers == ["web:fan-1", "web:fan-2", "web:second-author"] and left == 0
    queued = select(Notification.recipient).where(
        Notification.suggestion_id == original_id
    )
    recipients = in_transaction(
        staff_settings.database_url, lambda s: s.scalars(queued).all()
    )
    assert sorted(recipients) == sorted(
        ["web:author", "web:fan-1", "web:fan-2", "web:second-author"]
    ), "each exactly one notification on the original's next status change"
