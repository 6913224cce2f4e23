"""Who follows what (issue 36.2): the dashboard counts the chats that follow
each topic, district, project and published suggestion."""

from __future__ import annotations

import re

from actions.db import follows, review
from actions.db.follows import Target
from actions.db.session import in_transaction
from tests.bot.staff.helpers import add_suggestion, login


def follow(settings, key: str, *targets: Target) -> None:
    def work(session):
        for target in targets:
            follows.add(session, key, target, channel="web", recipient=f"web:{key}")

    in_transaction(settings.database_url, work)


def rows_of(page: str) -> list[list[str]]:
    section = page[page.index('id="h-followed"') :]
    section = section[: section.index("</section>")]
    cell = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)
    tag = re.compile(r"<[^>]+>")
    return [
        [tag.sub("", c).strip() for c in cell.findall(row)]
        for row in re.findall(r"<tr>.*?</tr>", section, re.S)
    ]


async def test_the_dashboard_says_when_nobody_follows_anything(client):
    await login(client, "rudi")
    page = await (await client.get("/staff")).text()
    assert "Bisher folgt niemand einem Thema" in page


async def test_the_dashboard_counts_followers_per_kind_most_followed_first(
    client, staff_settings
):
    reference = add_suggestion(staff_settings, "Ein Zebrastreifen in Kotten",
                               public=True)  # fmt: skip
    in_transaction(staff_settings.database_url, lambda s: review.publish(
        s, reference, "Zebrastreifen Kotten", actor="anna"))  # fmt: skip
    innenstadt, kotten = Target("district", "Innenstadt"), Target("district", "Kotten")
    follow(staff_settings, "a", innenstadt, Target("topic", "Mobilität"))
    follow(staff_settings, "b", kotten, innenstadt, Target("suggestion", reference))
    await login(client, "rudi")
    page = await (await client.get("/staff")).text()
    assert rows_of(page) == [
        ["Art", "Name", "Folgende"],
        ["Thema", "Mobilität", "1"],
        ["Stadtteil", "Innenstadt", "2"],
        ["Stadtteil", "Kotten", "1"],
        ["Vorschlag", f"{reference}: Zebrastreifen Kotten", "1"],
    ]
    assert f'href="/staff/suggestions/{reference}"' in page
