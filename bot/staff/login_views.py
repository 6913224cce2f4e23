"""Login and logout of staff members."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session
from redis.exceptions import RedisError

from actions.db import accounts, live
from bot.shared.proxies import client_address
from bot.staff.helpers import (
    SETTINGS,
    THROTTLE,
    StaffMember,
    db,
    safe_next,
    start_session,
    url,
)
from core import metrics

logger = logging.getLogger(__name__)


async def _form(request: web.Request, status: int = 200, **context) -> web.Response:
    context.setdefault("error", None)
    context.setdefault("username", "")
    context.setdefault("expired", request.query.get("abgelaufen") == "1")
    context.setdefault("next", safe_next(request, request.query.get("next")))
    return aiohttp_jinja2.render_template("login.html", request, context, status=status)


async def login_page(request: web.Request) -> web.Response:
    return await _form(request)


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    username = str(form.get("username", "")).strip().lower()[:80]
    password = str(form.get("password", ""))
    next_path = safe_next(request, str(form.get("next", "")))
    throttle = request.app[THROTTLE]
    address = client_address(request, request.app[SETTINGS].trusted_proxies)
    user_key, address_key = f"user:{username}", f"addr:{address}"
    limit = throttle.attempts
    try:
        wait, stamp = await throttle.try_attempt(
            [(user_key, limit), (address_key, limit * 4)]
        )
    except RedisError:
        # Without the shared count, passwords could be tried without limit.
        logger.error("Redis unavailable: staff login refused until it is back.")
        return await _form(
            request, 503, username=username, next=next_path,
            error="Die Anmeldung ist gerade nicht möglich. Bitte versuchen Sie es "
            "in einigen Minuten erneut.",
        )  # fmt: skip
    if wait:
        metrics.rate_limited.labels("staff_login").inc()
        minutes = math.ceil(wait / 60)
        return await _form(
            request,
            429,
            username=username,
            next=next_path,
            error=f"Zu viele Fehlversuche. Bitte warten Sie {minutes} "
            f"Minute{'n' if minutes != 1 else ''} und versuchen Sie es dann erneut.",
        )
    user = await _verify(request, username, password)
    if user is None:
        return await _form(
            request,
            401,
            username=username,
            next=next_path,
            error="Benutzername oder Passwort ist falsch.",
        )
    with contextlib.suppress(RedisError):  # the attempt then simply stays counted
        await throttle.forgive(user_key, [address_key], stamp)
    await start_session(request, StaffMember(user.username, user.role))
    raise web.HTTPSeeOther(next_path)


async def _verify(request: web.Request, username: str, password: str):
    stored = await db(
        request, lambda s: accounts.credentials(s, username), read_only=True
    )
    kept_hash = await asyncio.to_thread(accounts.password_matches, stored, password)
    if kept_hash is None:
        return None
    return await db(request, lambda s: accounts.record_login(s, stored, kept_hash))


async def logout(request: web.Request) -> web.StreamResponse:
    user = request.get("user")
    if user is not None:  # the live-chat availability ends with the session
        await db(request, lambda s: live.set_unavailable(s, user.username))
    (await get_session(request)).invalidate()
    raise web.HTTPSeeOther(url(request, "login", {"abgemeldet": "1"}))
