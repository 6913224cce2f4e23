"""A small REST client for talking to the assistant in tests."""

from __future__ import annotations

import re
import uuid

import aiohttp

REFERENCE = re.compile(r"V-[0-9A-Z]{4}-[0-9A-Z]{4}")
IDEA = "Bitte mehr Trinkbrunnen in der Fußgängerzone aufstellen"
# Personal data that the logs must never show (checked at the end of the session).
PROBE_EMAIL = "buerger.probe@example.org"
PROBE_IDEA = "Ein Probe-Gedanke: Wasserspender im Rathausfoyer aufstellen"
ORIGIN = "https://www.stadt.example"  # the city's site that embeds the widget
SERVICE_PORTAL = "https://www.stadt.example/buergerservice"  # SERVICE_PORTAL_URL
# The e2e assistant ends a session after this many messages (issue 30).
SESSION_MAX_TURNS = 12


async def say(
    http: aiohttp.ClientSession, webhook: str, sender: str, text: str
) -> list[dict]:
    async with http.post(
        webhook,
        json={"sender": sender, "message": text},
        timeout=aiohttp.ClientTimeout(total=300),
    ) as response:
        assert response.status == 200, await response.text()
        return await response.json()


class WebCitizen:
    """Writes in the widget's chat API and presses the last reply's buttons, as
    the widget does. `http`: the app's test client (then no `base`), or a
    ClientSession with the running web app's URL as `base`."""

    def __init__(self, http, base: str = "") -> None:
        self.http, self.base, self.session = http, base, uuid.uuid4().hex
        self.buttons: dict[str, str] = {}
        self.language: str | None = None  # the last mode the API reported

    async def say(self, text: str) -> str:
        async with self.http.post(
            f"{self.base}/api/chat",
            json={"session": self.session, "message": text},
            headers={"Origin": ORIGIN},
        ) as response:
            assert response.status == 200, await response.text()
            answer = await response.json()
        messages = answer["messages"]
        self.language = answer.get("language", self.language)
        self.buttons = {
            b["title"]: b["payload"] for m in messages for b in m["buttons"]
        }
        return joined(messages)

    async def news(self) -> list[str]:
        """The notifications the widget would show now."""
        async with self.http.get(
            f"{self.base}/api/notifications",
            params={"session": self.session},
            headers={"Origin": ORIGIN},
        ) as response:
            assert response.status == 200, await response.text()
            return [n["text"] for n in (await response.json())["notifications"]]

    async def press(self, title: str) -> str:
        assert title in self.buttons, f"no button {title!r} in {list(self.buttons)}"
        return await self.say(self.buttons[title])


def joined(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def payloads(replies: list[dict]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons") or []]


async def fill_form(chat, idea: str = IDEA) -> str:
    """Walk through the suggestion form up to the summary (topic Mobilität)."""
    asked = joined(await chat("Ich möchte einen Vorschlag machen"))
    assert "Beschreiben Sie Ihre Idee" in asked
    topics = await chat(idea)
    assert "Zu welchem Thema" in joined(topics)
    topic_payload = next(p for p in payloads(topics) if "Mobilität" in p)
    location = await chat(topic_payload)
    assert "Ort" in joined(location)
    assert payloads(location) == ['/inform{"choice":"skip"}']
    assert "erfahren, was aus Ihrem Vorschlag wird" in joined(await chat("Stiftsplatz"))
    public = joined(await chat('/inform{"choice":"chat"}'))
    assert "Darf die Stadt Ihre Idee ohne Ihren Namen öffentlich zeigen?" in public
    summary = joined(await chat('/inform{"choice":"private"}'))
    assert f"Idee: {idea}" in summary and "Öffentlich zeigen: nein" in summary
    assert f"Idee: {idea}" in summary and "Thema: Mobilität" in summary
    assert "Ort: Stiftsplatz" in summary and "Fotos: keine" in summary
    return summary
