"""The staff app on the running assistant (`smartcity run`): a suggestion made in
chat is found in the inbox and in the CSV export by its reference."""

from __future__ import annotations

import csv
import io
import re

import aiohttp

from tests.e2e.chat import REFERENCE, fill_form, joined
from tests.e2e.staff import add_staff_user

PASSWORD = "pruefen-ist-wichtig-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def test_suggestion_from_chat_reaches_inbox_and_csv(assistant, chat):
    # Its own text: other tests count the rows of the default idea.
    await fill_form(chat, "Öffentliche Trinkbrunnen am Hauptbahnhof, auch im Winter")
    reference = REFERENCE.search(joined(await chat("/affirm"))).group(0)
    add_staff_user(assistant, "pruefer", "admin", PASSWORD)
    base = assistant.web_url
    # unsafe: keep cookies of an IP address host (127.0.0.1).
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        anonymous = await http.get(f"{base}/staff/suggestions", allow_redirects=False)
        assert anonymous.status == 303
        assert anonymous.headers["Location"].startswith("/staff/login")

        login_page = await (await http.get(f"{base}/staff/login")).text()
        token = CSRF.search(login_page).group(1)
        form = {"username": "pruefer", "password": PASSWORD}
        no_token = await http.post(f"{base}/staff/login", data=form)
        assert no_token.status == 403
        wrong = await http.post(
            f"{base}/staff/login",
            data={**form, "password": "falsch", "csrf_token": token},
        )
        assert wrong.status == 401

        inbox = await http.post(
            f"{base}/staff/login", data={**form, "csrf_token": token}
        )
        assert inbox.status == 200 and inbox.url.path == "/staff/suggestions"
        assert reference in await inbox.text()

        export = await http.get(f"{base}/staff/suggestions.csv")
        assert export.status == 200 and export.content_type == "text/csv"
        table = list(
            csv.reader(
                io.StringIO((await export.read()).decode("utf-8-sig")), delimiter=";"
            )
        )
        assert table[0][0] == "Referenz"
        row = next(r for r in table[1:] if r[0] == reference)
        assert "Trinkbrunnen" in row[table[0].index("Text")] and row[3] == "Mobilität"
