"""The staff app needs nothing of the web app: mounted alone, it serves and
tells its reply bus when a message to a citizen is in the outbox (issue 32.2)."""

from __future__ import annotations

from aiohttp import web

from bot.server import create_app
from bot.staff.app import PREFIX, create_staff_app
from bot.staff.helpers import REPLY_BUS as STAFF_REPLY_BUS
from bot.web.app import REPLY_BUS
from tests.bot.staff.helpers import answer_a_new_callback, answers_sent


async def test_mounted_alone_a_staff_answer_is_published(
    aiohttp_client, staff_settings
):
    staff = create_staff_app(staff_settings)
    root = web.Application()
    root.add_subapp(PREFIX, staff)
    client = await aiohttp_client(root)
    published = []
    staff[STAFF_REPLY_BUS].subscribe(lambda: published.append(True))

    await answer_a_new_callback(client, staff_settings, "Wir kommen.")

    assert published == [True]
    assert answers_sent(staff_settings)[-1].endswith("Wir kommen.")


async def test_in_the_public_process_it_publishes_on_the_web_app_s_bus(
    aiohttp_client, staff_settings
):
    """One reply bus for the process: a staff answer wakes the widget's live
    streams, Telegram and e-mail, which subscribe to the web app's bus."""
    app = create_app(staff_settings)
    client = await aiohttp_client(app)
    published = []
    app[REPLY_BUS].subscribe(lambda: published.append(True))

    await answer_a_new_callback(client, staff_settings, "Gern.")

    assert published == [True]
