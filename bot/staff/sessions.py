"""Sessions and CSRF tokens of the staff app.

Sessions live in Fernet-encrypted cookies: the server keeps no session table,
and a cookie older than the idle timeout no longer decrypts.
"""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web
from aiohttp_session import Session, get_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

from core.secret_key import read_or_create
from core.settings import Settings, SettingsError

COOKIE_NAME = "smartcity_staff"
CSRF_FIELD = "csrf_token"


def session_fernet(settings: Settings) -> Fernet:
    """The Fernet key: STAFF_SESSION_KEY, else var/staff-session.key (mode 0600)."""
    key = settings.staff_session_key_env or read_or_create(
        settings.staff_session_key_file, lambda: Fernet.generate_key().decode()
    )
    try:
        return Fernet(key)
    except ValueError:
        raise SettingsError(
            "STAFF_SESSION_KEY must be a Fernet key: 32 bytes in URL-safe base64, "
            "e.g. from python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        ) from None


def cookie_storage(settings: Settings) -> EncryptedCookieStorage:
    return EncryptedCookieStorage(
        session_fernet(settings),
        cookie_name=COOKIE_NAME,
        path="/staff",
        httponly=True,
        samesite="Strict",
        # The cookie dies with the idle timeout; every request renews it.
        max_age=settings.staff_idle_minutes * 60,
    )


def secure_cookies(always: bool):
    """Middleware marking the session cookie Secure over TLS, or always.

    `always` is for a TLS proxy in front, where the app itself sees plain HTTP.
    Outermost, so it sees the cookie that the session middleware has just set.
    """

    def mark(request: web.Request, response: web.StreamResponse) -> None:
        if (always or request.secure) and COOKIE_NAME in response.cookies:
            response.cookies[COOKIE_NAME]["secure"] = True

    @web.middleware
    async def middleware(request: web.Request, handler):
        try:
            response = await handler(request)
        except web.HTTPException as redirect_or_error:
            mark(request, redirect_or_error)
            raise
        mark(request, response)
        return response

    return middleware


def csrf_token(session: Session) -> str:
    """The session's CSRF token, made on first use (synchronizer token pattern)."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


async def csrf_valid(request: web.Request, form) -> bool:
    expected = (await get_session(request)).get(CSRF_FIELD)
    sent = form.get(CSRF_FIELD)
    return (
        isinstance(sent, str)
        and bool(expected)
        and hmac.compare_digest(sent.encode(), expected.encode())
    )
