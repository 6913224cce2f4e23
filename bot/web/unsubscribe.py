"""/abmelden: the link in every e-mail. GET asks, POST unsubscribes.

A GET changes nothing, so mail scanners that follow links unsubscribe nobody.
The token proves the address (core.secret_key.unsubscribe_token); a wrong or
used token gets the same page as an unknown one, which reveals no address.
Each request reads the database, so the chat API's limits per client address
and overall apply here too.
"""

from __future__ import annotations

import asyncio

import aiohttp_jinja2
from aiohttp import web

from actions.db import suggestions
from bot.shared.mail_delivery import UNSUBSCRIBE_PATH
from bot.web.chat import ChatApi
from bot.web.errors import TOO_FAST
from core.deletion_journal import UNSUBSCRIBE, note
from core.secret_key import (
    email_key,
    unsubscribe_suggestion_id,
    unsubscribe_token_valid,
)
from core.settings import Settings

TEMPLATE = "unsubscribe.html"


def _too_fast() -> web.Response:
    return web.Response(text=TOO_FAST, status=429, headers={"Retry-After": "10"})


class UnsubscribePages:
    def __init__(self, settings: Settings, chat: ChatApi) -> None:
        self.settings = settings
        self.chat = chat

    async def _address(self, token: str) -> str | None:
        """The address the token stands for, if it is still subscribed."""
        suggestion_id = unsubscribe_suggestion_id(token)
        if suggestion_id is None:
            return None
        address = await self.chat.gateway.db.run(
            lambda s: suggestions.email_address(s, suggestion_id),
        )
        if address and unsubscribe_token_valid(token, address, self.settings):
            return address
        return None

    async def ask(self, request: web.Request) -> web.Response:
        if not await self.chat.allowed(request):
            return _too_fast()
        token = request.query.get("token", "")
        valid = await self._address(token) is not None
        return aiohttp_jinja2.render_template(
            TEMPLATE,
            request,
            {"state": "ask" if valid else "invalid", "token": token},
            status=200 if valid else 404,
        )

    async def confirm(self, request: web.Request) -> web.Response:
        if not await self.chat.allowed(request):
            return _too_fast()
        form = await request.post()
        token = str(form.get("token", ""))
        address = await self._address(token)
        if address is None:
            return aiohttp_jinja2.render_template(
                TEMPLATE, request, {"state": "invalid", "token": ""}, status=404
            )
        suggestion_id = unsubscribe_suggestion_id(token)
        await self.chat.gateway.db.run(
            lambda s: suggestions.unsubscribe_email(s, suggestion_id, address),
        )
        # A restore of an older backup takes the address away again.
        key = email_key(address, self.settings)
        journal = self.settings.deletion_journal
        await asyncio.to_thread(note, journal, UNSUBSCRIBE, email_key=key)
        return aiohttp_jinja2.render_template(
            TEMPLATE, request, {"state": "done", "token": ""}
        )


def setup_unsubscribe(app: web.Application, settings: Settings, chat: ChatApi) -> None:
    """Needs the board's jinja2 setup (bot.web.board.setup_board) first."""
    pages = UnsubscribePages(settings, chat)
    app.router.add_get(UNSUBSCRIBE_PATH, pages.ask, name="unsubscribe")
    app.router.add_post(UNSUBSCRIBE_PATH, pages.confirm, name="unsubscribe_confirm")
