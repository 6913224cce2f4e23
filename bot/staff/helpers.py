"""What every staff view shares: app keys, the signed-in member, the database
call, flash messages, links by route name and the German error page."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import wraps
from typing import TypeVar

from aiohttp import web
from aiohttp_session import get_session
from sqlalchemy.orm import Session

from actions.db import accounts
from actions.db.session import Database
from bot.shared.rasa_client import RasaClient
from bot.shared.redis_state import RedisLoginThrottle
from bot.shared.services import ReplyBus
from bot.staff.sessions import csrf_token
from bot.staff.throttle import LoginThrottle
from core.content import Content, load_content
from core.settings import Settings

T = TypeVar("T")
PREFIX = "/staff"
MAX_FORM_BYTES = 2 * 1024 * 1024  # an .ics upload; chat requests stay at 64 KiB
MAX_PUBLIC_FORM_BYTES = 16 * 1024  # the login form, before anyone is known

SETTINGS = web.AppKey("staff_settings", Settings)
DATABASE = web.AppKey("staff_database", Database)
RASA = web.AppKey("staff_rasa", RasaClient)
REPLY_BUS = web.AppKey("staff_reply_bus", ReplyBus)
THROTTLE = web.AppKey("staff_throttle", LoginThrottle | RedisLoginThrottle)


@dataclass(frozen=True)
class StaffMember:
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class PageError(Exception):
    """Answered by the error middleware with the German error page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def db(
    request: web.Request, work: Callable[[Session], T], *, read_only: bool = False
) -> T:
    """Run `work` in one transaction off the event loop; results stay readable."""
    return await request.app[DATABASE].run(
        work, expire_on_commit=False, read_only=read_only
    )


async def current_user(request: web.Request) -> StaffMember | None:
    """The member of the session's cookie, if the account still lets them in."""
    session = await get_session(request)
    name, issued = session.get("user"), session.get("issued")
    if not name or not issued:
        return None
    issued_at = datetime.fromtimestamp(issued, timezone.utc)
    user = await db(
        request, lambda s: accounts.session_user(s, name, issued_at), read_only=True
    )
    return StaffMember(user.username, user.role) if user else None


async def start_session(request: web.Request, user: StaffMember) -> None:
    """A fresh session with a new CSRF token, so nothing from before the login survives.

    Cleared in place: the CSRF middleware hands a clone of the request to the
    handler, and a session object replaced there would never reach the cookie.
    """
    session = await get_session(request)
    session.clear()
    session["user"] = user.username
    session["issued"] = time.time()
    session["seen"] = int(time.time())
    csrf_token(session)


async def flash(request: web.Request, message: str, kind: str = "ok") -> None:
    """A message shown once on the next page (post/redirect/get)."""
    session = await get_session(request)
    session["flash"] = [*session.get("flash", []), [kind, message]]


def url(request: web.Request, name: str, query: dict | None = None, **parts) -> str:
    """The path of the named route, as aiohttp-jinja2's `url()` gives templates."""
    target = request.app.router[name].url_for(**{k: str(v) for k, v in parts.items()})
    return str(target.with_query(query) if query else target)


def redirect(request: web.Request, name: str, **parts) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(url(request, name, **parts))


def safe_next(request: web.Request, value: str | None) -> str:
    """Only paths inside the staff app: a login must not redirect elsewhere."""
    inside = value and value.startswith(PREFIX + "/")
    if inside and "//" not in value and "\\" not in value:
        return value
    return url(request, "suggestions")


def admin_only(handler):
    @wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        if not request["user"].is_admin:
            raise PageError(
                403, "Diese Seite ist nur für Administratorinnen und Administratoren."
            )
        return await handler(request)

    return guarded


def content_files(request: web.Request) -> Content:
    """Topics, districts and the projects the next training will know."""
    return load_content(request.app[SETTINGS].content_dir)
