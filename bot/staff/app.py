"""The staff app, mounted under /staff on the web app: wiring and access control."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import get_session, session_middleware
from redis.asyncio import Redis
from sqlalchemy.orm import Session

from actions.db import accounts
from actions.db.audit import ACTION_LABELS
from actions.db.content import ContentError
from actions.db.session import in_transaction
from actions.db.suggestions import STATUS_LABELS
from bot.settings import Settings
from bot.shared.redis_state import RedisLoginThrottle
from bot.staff.sessions import (
    COOKIE_NAME,
    LoginThrottle,
    cookie_storage,
    csrf_token,
    csrf_valid,
    secure_cookies,
)

T = TypeVar("T")
logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
PREFIX = "/staff"
PUBLIC = ("/staff/login", "/staff/static/")
MAX_FORM_BYTES = 2 * 1024 * 1024  # an .ics upload; chat requests stay at 64 KiB
MAX_PUBLIC_FORM_BYTES = 16 * 1024  # the login form, before anyone is known

CHANNEL_LABELS = {"web": "Website-Chat", "telegram": "Telegram", "rest": "REST-API"}

SETTINGS = web.AppKey("staff_settings", Settings)
THROTTLE = web.AppKey("staff_throttle", LoginThrottle | RedisLoginThrottle)


@dataclass(frozen=True)
class StaffMember:
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


async def db(
    request: web.Request, work: Callable[[Session], T], *, read_only: bool = False
) -> T:
    """Run `work` in one transaction off the event loop; results stay readable."""
    url = request.app[SETTINGS].database_url
    return await asyncio.to_thread(
        in_transaction, url, work, expire_on_commit=False, read_only=read_only
    )


async def render(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    context = {**await _context(request), **context}
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    response.headers["Cache-Control"] = "no-store"  # pages hold personal data
    return response


async def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return await render(
        request, "error.html", {"status": status, "message": message}, status
    )


async def flash(request: web.Request, message: str, kind: str = "ok") -> None:
    """A message shown once on the next page (post/redirect/get)."""
    session = await get_session(request)
    session["flash"] = [*session.get("flash", []), [kind, message]]


def redirect(location: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location)


def login_url(next_path: str | None = None, **extra: str) -> str:
    query = {"next": next_path} if next_path else {}
    query.update(extra)
    return f"{PREFIX}/login" + (f"?{urlencode(query)}" if query else "")


def safe_next(value: str | None) -> str:
    """Only paths inside the staff app: a login must not redirect elsewhere."""
    inside = value and value.startswith(PREFIX + "/")
    if inside and "//" not in value and "\\" not in value:
        return value
    return f"{PREFIX}/suggestions"


def add_form_routes(app: web.Application, base: str, *, listing, form, save, key: str):
    """A list page, and one form to create (`/new`) and to edit (`/{key}`) items."""
    app.router.add_get(base, listing)
    for path in (f"{base}/new", f"{base}/{{{key}}}"):  # /new first: it is no key
        app.router.add_get(path, form)
        app.router.add_post(path, save)


def admin_only(handler):
    async def guarded(request: web.Request) -> web.StreamResponse:
        if not request["user"].is_admin:
            return await error_page(
                request,
                403,
                "Diese Seite ist nur für Administratorinnen und Administratoren.",
            )
        return await handler(request)

    return guarded


async def _current_user(request: web.Request, session) -> StaffMember | None:
    name, issued = session.get("user"), session.get("issued")
    if not name or not issued:
        return None
    issued_at = datetime.fromtimestamp(issued, timezone.utc)
    user = await db(
        request, lambda s: accounts.session_user(s, name, issued_at), read_only=True
    )
    return StaffMember(user.username, user.role) if user else None


async def _checked_form(request: web.Request, limit: int):
    """The POST body, read only now and within `limit`, with its CSRF token checked.

    Returns (request, None) to go on, or (request, response) to answer at once.
    """
    request = request.clone(client_max_size=limit)
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        too_large = (
            "Die Datei ist zu groß (höchstens 2 MB)."
            if limit == MAX_FORM_BYTES
            else "Das Formular ist zu groß."
        )
        return request, await error_page(request, 413, too_large)
    except Exception:  # aiohttp's parser fails in several ways on broken bodies
        logger.info("unreadable form body on %s", request.path, exc_info=True)
        return request, await error_page(
            request, 400, "Das Formular kam fehlerhaft an."
        )
    if not await csrf_valid(request, form):
        return request, await error_page(
            request,
            403,
            "Das Formular ist abgelaufen oder unvollständig. Bitte laden Sie "
            "die Seite neu und versuchen Sie es noch einmal.",
        )
    return request, None


@web.middleware
async def guard(request: web.Request, handler) -> web.StreamResponse:
    """Login and idle timeout for everything not public, then CSRF on every POST.

    A body is read only after the session was checked, so that an anonymous
    client cannot make the app parse 2 MB uploads.
    """
    session = await get_session(request)
    try:
        public = request.path.startswith(PUBLIC)
        if not public:
            settings = request.app[SETTINGS]
            idle = time.time() - session.get("seen", 0)
            # A cookie that no longer decrypts is past the idle timeout (Fernet TTL).
            stale_cookie = session.new and COOKIE_NAME in request.cookies
            if stale_cookie or (
                session.get("user") and idle > settings.staff_idle_minutes * 60
            ):
                session.invalidate()
                raise redirect(login_url(request.path_qs, abgelaufen="1"))
            user = await _current_user(request, session)
            if user is None:
                session.pop("user", None)
                next_path = request.path_qs if request.method == "GET" else None
                raise redirect(login_url(next_path))
            request["user"] = user
            session["seen"] = int(time.time())
        if request.method == "POST":
            limit = MAX_PUBLIC_FORM_BYTES if public else MAX_FORM_BYTES
            request, refused = await _checked_form(request, limit)
            if refused is not None:
                return refused
        return await handler(request)
    except web.HTTPNotFound:
        return await error_page(request, 404, "Diese Seite gibt es nicht.")
    except web.HTTPMethodNotAllowed:
        return await error_page(request, 405, "Diese Aktion ist hier nicht möglich.")
    except ContentError as error:  # topics.yml and friends, read by the forms
        logger.error("content files unusable: %s", error)
        return await error_page(
            request, 500, f"Die Inhaltsdateien sind fehlerhaft: {error}"
        )


async def start_session(request: web.Request, user: StaffMember) -> None:
    """A fresh session with a new CSRF token, so nothing from before the login survives.

    Cleared in place: the guard hands a clone of the request to the handler, and
    a session object replaced there would never reach the cookie.
    """
    session = await get_session(request)
    session.clear()
    session["user"] = user.username
    session["issued"] = time.time()
    session["seen"] = int(time.time())
    csrf_token(session)


async def _context(request: web.Request) -> dict[str, Any]:
    session = await get_session(request)
    messages = session.pop("flash", [])
    return {
        "user": request.get("user"),
        "csrf_token": csrf_token(session),
        "messages": messages,
        "path": request.path,
        "status_labels": STATUS_LABELS,
        "action_labels": ACTION_LABELS,
    }


def _local_time(settings: Settings):
    def format_time(value: datetime | None, pattern: str = "%d.%m.%Y, %H:%M") -> str:
        if value is None:
            return "–"
        return value.astimezone(settings.tz).strftime(pattern)

    return format_time


def create_staff_app(settings: Settings, redis: Redis | None = None) -> web.Application:
    from bot.staff import (
        dashboard_views,
        event_views,
        login_views,
        project_views,
        suggestion_views,
        user_views,
    )

    app = web.Application(
        middlewares=[
            secure_cookies(settings.staff_secure_cookies),
            session_middleware(cookie_storage(settings)),
            guard,
        ]
    )
    app[SETTINGS] = settings
    app[THROTTLE] = (
        RedisLoginThrottle(redis, settings.staff_login_attempts)
        if redis is not None
        else LoginThrottle(settings.staff_login_attempts)
    )
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["local"] = _local_time(settings)
    env.filters["channel"] = lambda name: CHANNEL_LABELS.get(name, name)
    app.router.add_static("/static/", HERE / "static", name="static")
    login_views.add_routes(app)
    dashboard_views.add_routes(app)
    suggestion_views.add_routes(app)
    project_views.add_routes(app)
    event_views.add_routes(app)
    user_views.add_routes(app)
    return app


def mount(app: web.Application, settings: Settings, redis: Redis | None = None) -> None:
    app.add_subapp(PREFIX, create_staff_app(settings, redis))
