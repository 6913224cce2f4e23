"""The staff app's middlewares, outermost first: errors, session, CSRF, login.

As in aiohttp-demos `blog`, each does one thing. A body is read only by the
CSRF middleware, and for a client without a signed-in session only up to
16 KiB, so an anonymous client cannot make the app parse 2 MB uploads.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, session_middleware

from actions.db import live
from bot.staff.context import page_context
from bot.staff.helpers import (
    MAX_FORM_BYTES,
    MAX_PUBLIC_FORM_BYTES,
    SETTINGS,
    PageError,
    current_user,
    db,
    url,
)
from bot.staff.sessions import COOKIE_NAME, cookie_storage, csrf_valid, secure_cookies
from core.content import ContentError
from core.settings import Settings

logger = logging.getLogger(__name__)
PUBLIC_ROUTES = frozenset({"login", "static"})
LIVE_SEEN_EVERY_SECONDS = 60
# Requests a page makes by itself (the live queue's polls): they neither keep
# a session alive nor a member "available" for live chats.
BACKGROUND_POLLS = {"live_state", "live_messages"}


def _public(request: web.Request) -> bool:
    route = request.match_info.route
    return route.name in PUBLIC_ROUTES if route is not None else False


async def _error_page(request: web.Request, status: int, message: str):
    context = {**await page_context(request), "status": status, "message": message}
    if context["user"] is None:  # a POST's user was found on its clone
        context["user"] = await current_user(request)
    return aiohttp_jinja2.render_template("error.html", request, context, status=status)


@web.middleware
async def errors(request: web.Request, handler) -> web.StreamResponse:
    """German error pages instead of aiohttp's English ones."""
    try:
        return await handler(request)
    except PageError as error:
        return await _error_page(request, error.status, error.message)
    except web.HTTPNotFound:
        return await _error_page(request, 404, "Diese Seite gibt es nicht.")
    except web.HTTPMethodNotAllowed:
        return await _error_page(request, 405, "Diese Aktion ist hier nicht möglich.")
    except ContentError as error:  # topics.yml and friends, read by the forms
        logger.error("content files unusable: %s", error)
        return await _error_page(
            request, 500, f"Die Inhaltsdateien sind fehlerhaft: {error}"
        )
    except web.HTTPException:
        raise  # redirects, and errors aiohttp answers itself
    except Exception:
        logger.exception("staff page %s failed", request.path)
        return await _error_page(
            request,
            500,
            "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später "
            "noch einmal.",
        )


def session(settings: Settings) -> list:
    """The encrypted cookie session, and its Secure flag over TLS (outermost)."""
    return [
        secure_cookies(settings.staff_secure_cookies),
        session_middleware(cookie_storage(settings)),
    ]


async def _read_form(request: web.Request, limit: int) -> web.Request:
    """The POST body, within `limit`, on a clone that carries the limit."""
    request = request.clone(client_max_size=limit)
    try:
        await request.post()
    except web.HTTPRequestEntityTooLarge:
        too_large = (
            "Die Datei ist zu groß (höchstens 2 MB)."
            if limit == MAX_FORM_BYTES
            else "Das Formular ist zu groß."
        )
        raise PageError(413, too_large) from None
    except Exception:  # aiohttp's parser fails in several ways on broken bodies
        logger.info("unreadable form body on %s", request.path, exc_info=True)
        raise PageError(400, "Das Formular kam fehlerhaft an.") from None
    return request


@web.middleware
async def csrf(request: web.Request, handler) -> web.StreamResponse:
    """Every POST that will be handled carries the session's CSRF token."""
    if request.method != "POST":
        return await handler(request)
    signed_in = "user" in await get_session(request)
    if not (signed_in or _public(request)):
        return await handler(request)  # refused by `login`, unread
    limit = MAX_FORM_BYTES if signed_in else MAX_PUBLIC_FORM_BYTES
    request = await _read_form(request, limit)
    form = await request.post()
    try:
        if not await csrf_valid(request, form):
            raise PageError(
                403,
                "Das Formular ist abgelaufen oder unvollständig. Bitte laden Sie "
                "die Seite neu und versuchen Sie es noch einmal.",
            )
        return await handler(request)
    finally:
        for value in form.values():  # uploads wait in temporary files
            if isinstance(value, web.FileField):
                value.file.close()


def _login_url(request: web.Request, next_path: str | None, **extra: str) -> str:
    query = {"next": next_path} if next_path else {}
    query.update(extra)
    return url(request, "login") + (f"?{urlencode(query)}" if query else "")


@web.middleware
async def login(request: web.Request, handler) -> web.StreamResponse:
    """A signed-in, recently active member for everything not public."""
    if _public(request):
        return await handler(request)
    session = await get_session(request)
    settings = request.app[SETTINGS]
    now = time.time()
    idle = now - session.get("seen", 0)
    age = now - session.get("issued", now)
    # A cookie that no longer decrypts is past the idle timeout (Fernet TTL).
    stale_cookie = session.new and COOKIE_NAME in request.cookies
    too_old = idle > settings.staff_idle_minutes * 60
    too_old |= age > settings.staff_session_hours * 3600
    if stale_cookie or (session.get("user") and too_old):
        session.invalidate()
        raise web.HTTPSeeOther(_login_url(request, request.path_qs, abgelaufen="1"))
    user = await current_user(request)
    if user is None:
        session.pop("user", None)
        next_path = request.path_qs if request.method == "GET" else None
        raise web.HTTPSeeOther(_login_url(request, next_path))
    request["user"] = user
    if request.match_info.route.name in BACKGROUND_POLLS:
        # A tab left open polls on its own: no sign that anyone is there.
        return await handler(request)
    session["seen"] = int(now)
    if session["seen"] - session.get("live_seen", 0) >= LIVE_SEEN_EVERY_SECONDS:
        # Live-chat availability lasts as long as this session (actions.db.live).
        session["live_seen"] = session["seen"]
        await db(request, lambda s: live.seen(s, user.username, now=settings.now()))
    return await handler(request)
