"""A staff member in the live chat of the running assistant, over HTTP."""

from __future__ import annotations

import re
import uuid

import aiohttp

from tests.e2e.assistant import Assistant
from tests.e2e.staff import add_staff_user

# A Wednesday morning: the example office (data/content/contact.yml) is open.
OFFICE_OPEN = "2026-12-02T10:00:00+01:00"
PASSWORD = "live-chat-ist-wichtig-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CHAT_LINK = re.compile(r"\?chat=(\d+)")


class LiveStaff:
    """One logged-in member: availability, queue, take, reply, end."""

    def __init__(self, assistant: Assistant, http: aiohttp.ClientSession) -> None:
        self.base = f"{assistant.web_url}/staff"
        self.http = http
        self.token = ""

    async def login(self, name: str) -> LiveStaff:
        page = await (await self.http.get(f"{self.base}/login")).text()
        response = await self.http.post(
            f"{self.base}/login",
            data={"username": name, "password": PASSWORD,
                  "csrf_token": CSRF.search(page).group(1)},
        )  # fmt: skip
        assert response.status == 200, await response.text()
        self.token = CSRF.search(await response.text()).group(1)
        return self

    async def page(self, path: str = "/live") -> str:
        response = await self.http.get(self.base + path)
        assert response.status == 200
        return await response.text()

    async def post(self, path: str, **form: str) -> str:
        response = await self.http.post(
            self.base + path, data={**form, "csrf_token": self.token}
        )
        assert response.status == 200, await response.text()
        return await response.text()

    async def available(self, yes: bool = True) -> str:
        if yes:
            return await self.post("/live/availability", available="1", until="2")
        return await self.post("/live/availability", available="0")

    async def queue(self) -> list[dict]:
        response = await self.http.get(f"{self.base}/live/state.json")
        return (await response.json())["chats"]

    async def messages(self, chat_id: int) -> list[dict]:
        response = await self.http.get(f"{self.base}/live/{chat_id}/messages.json")
        return (await response.json())["messages"]


def staff_session() -> aiohttp.ClientSession:
    # unsafe: keep cookies of an IP address host (127.0.0.1).
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def logged_in(assistant: Assistant, http, name: str = "live-anna") -> LiveStaff:
    add_staff_user(assistant, name, "reviewer", PASSWORD)
    return await LiveStaff(assistant, http).login(name)


def widget_session() -> str:
    return uuid.uuid4().hex
