"""Login, sessions, CSRF, throttling and roles of the staff app."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import stat

import pytest

from actions.db import accounts
from actions.db.session import in_transaction
from bot.server import create_app
from bot.staff.sessions import COOKIE_NAME
from core.settings import parse_networks
from tests.bot.staff.helpers import PASSWORDS, csrf_token, login, post_form

PAGES = [
    "/staff",
    "/staff/suggestions",
    "/staff/suggestions.csv",
    "/staff/suggestions/V-AAAA-BBBB",
    "/staff/suggestions/V-AAAA-BBBB/photos/1",
    "/staff/audit",
    "/staff/users",
    "/staff/projects",
    "/staff/events",
    "/staff/charts/woche.svg",
]


@pytest.mark.parametrize("path", PAGES)
async def test_anonymous_requests_are_redirected_to_the_login(client, path):
    response = await client.get(path, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/staff/login?next=")


async def test_the_login_form_has_the_three_fields(client):
    response = await client.get("/staff/login")
    page = await response.text()
    assert response.status == 200
    for field in ('name="username"', 'name="password"', 'name="csrf_token"'):
        assert field in page
    assert '<label for="username">' in page and '<label for="password">' in page


async def test_good_login_opens_the_inbox(client):
    response = await login(client)
    assert response.status == 303
    assert response.headers["Location"] == "/staff/suggestions"
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert cookie["path"] == "/staff"
    assert int(cookie["max-age"]) == 30 * 60  # idle timeout
    inbox = await client.get("/staff/suggestions", allow_redirects=False)
    assert inbox.status == 200
    assert "Vorschläge" in await inbox.text()


async def test_login_goes_back_to_the_requested_page_but_never_elsewhere(client):
    token = await csrf_token(client)
    for wanted, expected in [
        ("/staff/audit", "/staff/audit"),
        ("https://evil.example/", "/staff/suggestions"),
        ("//evil.example/staff/", "/staff/suggestions"),
        ("/staff//evil.example", "/staff/suggestions"),
    ]:
        response = await client.post(
            "/staff/login",
            data={
                "csrf_token": token,
                "username": "anna",
                "password": PASSWORDS["anna"],
                "next": wanted,
            },
            allow_redirects=False,
        )
        assert response.headers["Location"] == expected
        token = await csrf_token(client, "/staff/login")


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("anna", "falsches-passwort-123"),
        ("niemand", "irgendein-passwort-1"),
        ("anna", ""),
    ],
)
async def test_wrong_credentials_are_refused_in_german(client, username, password):
    response = await login(client, username, password)
    assert response.status == 401
    assert "Benutzername oder Passwort ist falsch." in await response.text()
    assert (await client.get("/staff/suggestions", allow_redirects=False)).status == 303


async def test_a_disabled_user_cannot_log_in_and_loses_the_session(
    client, staff_settings
):
    assert (await login(client, "rudi")).status == 303
    in_transaction(
        staff_settings.database_url,
        lambda s: accounts.set_active(s, "rudi", False, actor="test"),
    )
    assert (await client.get("/staff/suggestions", allow_redirects=False)).status == 303
    assert (await login(client, "rudi")).status == 401


async def test_a_password_reset_ends_existing_sessions(client, staff_settings):
    assert (await login(client, "rudi")).status == 303
    in_transaction(
        staff_settings.database_url,
        lambda s: accounts.reset_password(
            s, "rudi", "ganz-neues-passwort-9", actor="t"
        ),
    )
    assert (await client.get("/staff/suggestions", allow_redirects=False)).status == 303
    assert (await login(client, "rudi", "ganz-neues-passwort-9")).status == 303


async def test_repeated_failures_are_throttled_even_with_the_right_password(client):
    for _ in range(3):  # STAFF_LOGIN_ATTEMPTS=3 in the test settings
        assert (await login(client, "anna", "falsch-falsch-falsch")).status == 401
    response = await login(client, "anna")
    assert response.status == 429
    assert "Zu viele Fehlversuche" in await response.text()
    # Another user from the same address is not locked out by anna's failures yet.
    assert (await login(client, "rudi")).status == 303


async def test_parallel_guesses_get_no_more_tries_than_the_limit(client):
    """Issue 13: the check ran before Argon2 and the count after it, so N
    simultaneous POSTs got N guesses."""
    token = await csrf_token(client)
    form = {"csrf_token": token, "username": "anna", "password": "falsch-falsch-x"}
    answers = await asyncio.gather(
        *(client.post("/staff/login", data=form, allow_redirects=False)
          for _ in range(12))
    )  # fmt: skip
    statuses = sorted(response.status for response in answers)
    assert statuses.count(401) == 3 and statuses.count(429) == 9  # limit 3
    assert (await login(client, "anna")).status == 429


async def test_behind_a_trusted_proxy_each_client_is_counted_alone(
    aiohttp_client, staff_settings
):
    """Behind a proxy every request has its address; 4 x 3 failures would lock
    out all staff. X-Forwarded-For is believed from the configured proxy only."""
    settings = dataclasses.replace(
        staff_settings, trusted_proxies=parse_networks("127.0.0.1")
    )
    client = await aiohttp_client(create_app(settings))

    async def attempt(user, forwarded, password="falsch-falsch-x"):
        token = await csrf_token(client)
        form = {"csrf_token": token, "username": user, "password": password}
        headers = {"X-Forwarded-For": forwarded}
        return await client.post(
            "/staff/login", data=form, headers=headers, allow_redirects=False
        )

    for number in range(12):  # the per-address limit is 4 x 3 = 12
        assert (await attempt(f"name{number}", "203.0.113.7")).status == 401
    assert (await attempt("someone", "203.0.113.7")).status == 429
    assert (await attempt("rudi", "198.51.100.2", PASSWORDS["rudi"])).status == 303
    # A client cannot pick its address by sending the header through the proxy.
    spoofed = await attempt("other", "198.51.100.9, 203.0.113.7")
    assert spoofed.status == 429


async def test_login_without_or_with_a_wrong_csrf_token_is_forbidden(client):
    await client.get("/staff/login")
    form = {"username": "anna", "password": PASSWORDS["anna"]}
    missing = await client.post("/staff/login", data=form, allow_redirects=False)
    wrong = await client.post(
        "/staff/login", data={**form, "csrf_token": "x" * 43}, allow_redirects=False
    )
    for response in (missing, wrong):
        assert response.status == 403
        assert "Formular ist abgelaufen" in await response.text()
    assert (await client.get("/staff/suggestions", allow_redirects=False)).status == 303


async def test_every_post_checks_the_csrf_token(client, staff_settings):
    from tests.bot.staff.helpers import add_suggestion

    reference = add_suggestion(staff_settings, "Mehr Bänke am Stiftsplatz")
    await login(client)
    for path, form in [
        (f"/staff/suggestions/{reference}/status", {"status": "angenommen"}),
        (f"/staff/suggestions/{reference}/hide", {"hidden": "1"}),
        ("/staff/logout", {}),
        ("/staff/projects/new", {"name": "X"}),
    ]:
        response = await client.post(path, data=form, allow_redirects=False)
        assert response.status == 403, path
    detail = await (await client.get(f"/staff/suggestions/{reference}")).text()
    assert "eingegangen" in detail and "Spam</span>" not in detail


async def test_csrf_token_of_another_session_does_not_count(
    client, aiohttp_client, staff_settings
):
    from bot.server import create_app

    other = await aiohttp_client(create_app(staff_settings))
    await login(other)
    foreign = await csrf_token(other, "/staff/suggestions")
    await login(client)
    response = await client.post(
        "/staff/logout", data={"csrf_token": foreign}, allow_redirects=False
    )
    assert response.status == 403


async def test_logout_ends_the_session(client):
    await login(client)
    response = await post_form(client, "/staff/logout", {}, page="/staff/suggestions")
    assert response.status == 303
    assert (await client.get("/staff/suggestions", allow_redirects=False)).status == 303


async def test_an_idle_session_expires(client, staff_settings, monkeypatch):
    import time

    await login(client)
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/staff/"))
    value = cookie[COOKIE_NAME].value
    later = time.time() + staff_settings.staff_idle_minutes * 60 + 5
    monkeypatch.setattr(time, "time", lambda: later)
    # The browser drops the cookie (Max-Age); one that is still sent is refused.
    response = await client.get("/staff/suggestions", allow_redirects=False)
    assert response.status == 303
    client.session.cookie_jar.clear()
    response = await client.get(
        "/staff/suggestions",
        headers={"Cookie": f"{COOKIE_NAME}={value}"},
        allow_redirects=False,
    )
    assert response.status == 303
    assert "abgelaufen=1" in response.headers["Location"]
    page = await (await client.get(response.headers["Location"])).text()
    assert "Ihre Sitzung ist abgelaufen" in page


async def test_reviewers_review_but_only_admins_manage_content_and_audit(client):
    await login(client, "rudi")
    assert (await client.get("/staff/suggestions")).status == 200
    assert (await client.get("/staff")).status == 200
    for path in (
        "/staff/audit",
        "/staff/projects",
        "/staff/events",
        "/staff/projects/new",
    ):
        response = await client.get(path)
        assert response.status == 403, path
        assert "nur für Administratorinnen" in await response.text()
    response = await post_form(
        client, "/staff/projects/new", {"name": "X"}, page="/staff/suggestions"
    )
    assert response.status == 403
    page = await (await client.get("/staff/suggestions")).text()
    assert 'href="/staff/audit"' not in page


async def test_session_key_file_is_private(staff_settings, client):
    await client.get("/staff/login")
    mode = stat.S_IMODE(os.stat(staff_settings.staff_session_key_file).st_mode)
    assert mode == 0o600


async def test_passwords_are_stored_as_argon2id(staff_settings):
    user = in_transaction(
        staff_settings.database_url,
        lambda s: accounts.by_name(s, "anna").password_hash,
    )
    assert user.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORDS["anna"] not in user


async def test_cookie_is_secure_behind_a_tls_proxy(aiohttp_client, staff_settings):
    from dataclasses import replace

    from bot.server import create_app

    proxied = await aiohttp_client(
        create_app(replace(staff_settings, staff_secure_cookies=True))
    )
    response = await proxied.get("/staff/login")
    assert response.cookies[COOKIE_NAME]["secure"]
    plain = await login(await aiohttp_client(create_app(staff_settings)))
    assert not plain.cookies[COOKIE_NAME]["secure"]


async def test_admins_lock_accounts_in_the_web_but_not_their_own(
    client, aiohttp_client, staff_settings
):
    from bot.server import create_app

    rudi = await aiohttp_client(create_app(staff_settings))
    assert (await login(rudi, "rudi")).status == 303
    await login(client, "anna")
    page = await (await client.get("/staff/users")).text()
    assert "rudi" in page and "Sichtung" in page and "(Ihr Konto)" in page
    response = await post_form(
        client, "/staff/users/rudi/active", {"active": "0"}, page="/staff/users"
    )
    assert (
        "Das Konto „rudi“ ist gesperrt."
        in await (await client.get(response.headers["Location"])).text()
    )
    assert (await rudi.get("/staff/suggestions", allow_redirects=False)).status == 303
    for own in ("anna", "ANNA", "Anna"):  # issue 13: the check was case-sensitive
        response = await post_form(
            client, f"/staff/users/{own}/active", {"active": "0"}, page="/staff/users"
        )
        shown = await (await client.get(response.headers["Location"])).text()
        assert "nicht sperren" in shown
    assert (await client.get("/staff/users")).status == 200


async def test_broken_and_huge_form_bodies_get_a_german_answer(client):
    await login(client)
    broken = await client.post(
        "/staff/logout",
        data=b"--x\r\nContent-Disposition: form-data\r\n\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert broken.status == 400
    assert "<html" in await broken.text()
    huge = await client.post(
        "/staff/events/import",
        data=b"a=" + b"x" * (3 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert huge.status == 413
    assert "zu groß" in await huge.text()


def test_throttle_forgets_old_failures_and_bounds_its_memory():
    from bot.staff.throttle import LoginThrottle

    throttle = LoginThrottle(attempts=2, window_seconds=60)
    throttle.failed(["user:a"], now=0)
    throttle.failed(["user:a"], now=1)
    assert (
        throttle.wait_seconds([("user:a", 2)], now=2) == 59
    )  # until 0 + 60, rounded up
    assert throttle.wait_seconds([("user:a", 2)], now=61) == 0
    throttle.failed([f"user:{n}" for n in range(10_001)], now=100)
    throttle.failed(["user:neu"], now=200)  # the spray is older than the window
    assert throttle.wait_seconds([("user:5", 1)], now=200) == 0
    assert len(throttle._failures) == 1


async def test_bodies_are_read_only_after_the_session_is_checked(client):
    """Issue 13: staff POST bodies were parsed before login and CSRF."""
    upload = {"file": ("kalender.ics", b"x" * 1_500_000, "text/calendar")}
    anonymous = await client.post(
        "/staff/events/import", data=upload, allow_redirects=False
    )
    assert anonymous.status == 303
    assert anonymous.headers["Location"].startswith("/staff/login")
    huge_login = await client.post(
        "/staff/login", data={"username": "x" * 100_000}, allow_redirects=False
    )
    assert huge_login.status == 413
    assert "Das Formular ist zu groß." in await huge_login.text()


async def test_background_polls_do_not_keep_a_session_alive(
    client, staff_settings, monkeypatch
):
    """Issue 30: an open /staff/live tab polls every 2 seconds; that kept a
    member who had left logged in, and "available" for live chats."""
    import time

    await login(client)
    start, limit = time.time(), staff_settings.staff_idle_minutes * 60
    for step in (0.4, 0.8):  # polls, each well within the idle limit
        monkeypatch.setattr(time, "time", lambda step=step: start + step * limit)
        polled = await client.get("/staff/live/state.json", allow_redirects=False)
        assert polled.status == 200
    monkeypatch.setattr(time, "time", lambda: start + 1.2 * limit)
    # The polls did not renew the cookie: the browser has dropped it by now.
    response = await client.get("/staff/suggestions", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/staff/login")


async def test_a_session_ends_after_its_lifetime_however_active(
    client, staff_settings, monkeypatch
):
    import time

    await login(client)
    start, limit = time.time(), staff_settings.staff_idle_minutes * 60
    now = start
    while now + limit / 2 < start + staff_settings.staff_session_hours * 3600:
        now += limit / 2
        monkeypatch.setattr(time, "time", lambda now=now: now)
        active = await client.get("/staff/suggestions", allow_redirects=False)
        assert active.status == 200
    # Active a moment ago, but the session is older than its lifetime.
    end = start + staff_settings.staff_session_hours * 3600 + 60
    assert end - now < limit
    monkeypatch.setattr(time, "time", lambda: end)
    response = await client.get("/staff/suggestions", allow_redirects=False)
    assert response.status == 303 and "abgelaufen=1" in response.headers["Location"]
