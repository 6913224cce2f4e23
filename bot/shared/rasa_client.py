"""The one way our apps talk to Rasa: its REST channel and, for the live chat
with staff, its HTTP API (pause, resume, read the tracker), both on loopback."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.shared.unavailable import Unavailable
from core import metrics
from core.request_ids import HEADER, METADATA_KEY, current_request_id, new_request_id

logger = logging.getLogger(__name__)

RasaMessage = dict[str, Any]


class RasaUnavailable(Unavailable):
    """Rasa did not answer in time, or answered something that is not a reply."""


class RasaClient:
    """Posts user messages to Rasa's REST webhook and returns the bot's messages."""

    def __init__(
        self,
        rasa_url: str,
        action_health_url: str,
        timeout: float,
        api_token: str | None = None,
    ) -> None:
        self._url = rasa_url
        self._token = api_token
        self._health = f"{rasa_url}/webhooks/rest/"
        self._webhook = f"{rasa_url}/webhooks/rest/webhook"
        self._action_health = action_health_url
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 3))
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RasaClient:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("use RasaClient as an async context manager")
        return self._session

    async def send(
        self,
        sender: str,
        text: str,
        *,
        input_channel: str,
        metadata: dict[str, Any] | None = None,
        expect_reply: bool = True,
    ) -> list[RasaMessage]:
        """The bot's replies. `expect_reply=False`: the conversation is paused
        for a live chat, so no reply is no sign of trouble."""
        # The message's id for every log line on its way (core.request_ids);
        # a message sent outside of a request (a background task) gets its own.
        request_id = current_request_id() or new_request_id()
        body = {
            "sender": sender,
            "message": text,
            "input_channel": input_channel,
            "metadata": {**(metadata or {}), METADATA_KEY: request_id},
        }
        outcome = "unavailable"
        try:
            with metrics.timed(metrics.rasa_request_seconds.labels(input_channel)):
                async with self.session.post(
                    self._webhook, json=body, headers={HEADER: request_id}
                ) as response:
                    if response.status != 200:
                        raise RasaUnavailable(f"Rasa answered HTTP {response.status}")
                    replies = await response.json()
            outcome = "ok"
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(f"{type(error).__name__}: {error}") from error
        finally:
            metrics.rasa_requests.labels(input_channel, outcome).inc()
        if not isinstance(replies, list):
            raise RasaUnavailable("Rasa's reply is not a list of messages")
        messages = [m for m in replies if isinstance(m, dict)]
        # Rasa answers with nothing when a custom action failed, e.g. because the
        # action server is down; otherwise the model simply had nothing to say.
        if not messages and expect_reply and not await self.actions_up():
            raise RasaUnavailable("the action server is not answering")
        return messages

    async def _answers(self, url: str) -> bool:
        try:
            async with self.session.get(url) as response:
                return response.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False

    async def ready(self) -> bool:
        """Whether Rasa has loaded its model and takes messages."""
        return await self._answers(self._health)

    async def model_id(self) -> str | None:
        """The id of the model Rasa answers with; None without a model or Rasa."""
        if not self._token:
            return None
        try:
            async with self.session.get(
                f"{self._url}/status", params={"token": self._token}
            ) as response:
                status = await response.json() if response.status == 200 else None
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            return None
        model = status.get("model_id") if isinstance(status, dict) else None
        return model if isinstance(model, str) and model else None

    async def actions_up(self) -> bool:
        """Whether the action server answers."""
        return await self._answers(self._action_health)

    async def _api(
        self,
        method: str,
        sender: str,
        path: str,
        body: Any = None,
        events: str = "ALL",
    ) -> Any:
        if not self._token:
            raise RasaUnavailable("Rasa's HTTP API has no token configured")
        url = f"{self._url}/conversations/{quote(sender, safe='')}/{path}"
        params = {"token": self._token, "include_events": events}
        try:
            async with self.session.request(
                method, url, params=params, json=body
            ) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"Rasa's API answered HTTP {response.status}")
                return await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(f"{type(error).__name__}: {error}") from error

    async def parse(self, text: str) -> dict[str, Any]:
        """Rasa's NLU reading of `text` (intent and confidence), without a turn."""
        if not self._token:
            raise RasaUnavailable("Rasa's HTTP API has no token configured")
        try:
            async with self.session.post(
                f"{self._url}/model/parse",
                params={"token": self._token},
                json={"text": text},
            ) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"Rasa's API answered HTTP {response.status}")
                parsed = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(f"{type(error).__name__}: {error}") from error
        return parsed if isinstance(parsed, dict) else {}

    async def append_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        """Add events to the conversation, e.g. {"event": "resume"} or a staff
        reply as {"event": "bot", ...}, through Rasa's lock on the tracker."""
        await self._api("POST", sender, "tracker/events", events)

    async def resume(self, sender: str) -> None:
        """Rasa answers again. The listen closes the messages of the live chat,
        so the next message is predicted like any other, not as their follow-up."""
        resumed = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
        await self.append_events(sender, resumed)

    async def is_paused(self, sender: str) -> bool:
        tracker = await self._api("GET", sender, "tracker")
        return isinstance(tracker, dict) and tracker.get("paused") is True

    async def active_form(self, sender: str) -> str | None:
        """The form that is asking the citizen now, from the tracker itself
        (the one source every web-app process shares); None outside a form."""
        tracker = await self._api("GET", sender, "tracker", events="NONE")
        loop = tracker.get("active_loop") if isinstance(tracker, dict) else None
        name = loop.get("name") if isinstance(loop, dict) else None
        return name if isinstance(name, str) and name else None

    async def transcript(self, sender: str) -> list[dict[str, Any]]:
        """The conversation's user and bot messages, oldest first."""
        tracker = await self._api("GET", sender, "tracker")
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return [
            event
            for event in events or []
            if isinstance(event, dict) and event.get("event") in ("user", "bot")
        ]
