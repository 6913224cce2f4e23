"""A loopback Bot API server: the part of api.telegram.org that our bot uses.

Telegram's servers cannot be reached here, so tests point the real
python-telegram-bot at this server through `base_url`. It runs in its own thread
and event loop, so both synchronous tests and the bot's own loop can use it.
Tests push updates, read what the bot sent, and inject errors and delays.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-loopback-token"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Stadt-Assistent",
    "username": "stadt_test_bot",
}
# Parameters that python-telegram-bot sends JSON-encoded inside form fields.
JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "reply_parameters",
    "entities",
    "link_preview_options",
}
MAX_LONG_POLL_SECONDS = 1.0


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    ok: bool | None = None  # None while the response is still pending

    @property
    def chat_id(self) -> int | None:
        chat = self.params.get("chat_id")
        return int(chat) if chat is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))


def _utf16_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def _entities(text: str) -> list[dict]:
    """The entities Telegram would attach: a leading command and @mentions."""
    entities = []
    if text.startswith("/"):
        command = text.split()[0]
        entities.append({"type": "bot_command", "offset": 0, "length": len(command)})
    for word_start, word in _words(text):
        if word.startswith("@") and len(word) > 1:
            entities.append(
                {
                    "type": "mention",
                    "offset": _utf16_offset(text, word_start),
                    "length": _utf16_offset(word, len(word)),
                }
            )
    return entities


def _words(text: str):
    index = 0
    for word in text.split():
        index = text.index(word, index)
        yield index, word.rstrip(",.!?")
        index += len(word)


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.faults: dict[str, list[dict]] = defaultdict(list)
        self.delays: dict[str, float] = {}
        self._updates: list[dict] = []
        self._lock = threading.Lock()
        # Like Telegram's, ids only grow, also across servers: a bot that polled an
        # earlier server remembers its offset and skips anything lower.
        self._update_ids = itertools.count(int(time.time() * 1000))
        self._message_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self.files: dict[str, bytes] = {}  # file_id -> content, served under /file
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- running -------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self, port: int = 0) -> FakeBotApi:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        runner = self._runner = web.AppRunner(self._app(), access_log=None)

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", port)
            self._loop.run_until_complete(site.start())
            self.port = runner.addresses[0][1]
            ready.set()
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=serve, name="fake-bot-api", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Bot API server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            cleanup = asyncio.run_coroutine_threadsafe(
                self._runner.cleanup(), self._loop
            )
            cleanup.result(15)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    async def _shutdown(self) -> None:
        await self._runner.cleanup()
        # Long polls still waiting would be destroyed pending when the loop stops.
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        return app

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].removeprefix("photos/")
        if request.match_info["token"] != TOKEN or file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])

    # -- the server side -----------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"},
                status=401,
            )
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params)
        with self._lock:
            self.calls.append(call)
            fault = self.faults[method].pop(0) if self.faults[method] else None
        if method in self.delays:
            await asyncio.sleep(self.delays[method])
        if fault is not None:
            call.ok = False
            return web.json_response(fault, status=fault["error_code"])
        if method == "getUpdates":
            result = await self._get_updates(params)
        else:
            result = self._result(method, params)
        if result is None:
            call.ok = False
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        call.ok = True
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        form = await request.post()
        params = {}
        for name, value in form.items():
            params[name] = json.loads(value) if name in JSON_FIELDS else value
        return params

    async def _get_updates(self, params: dict[str, Any]) -> list[dict]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(
            float(params.get("timeout") or 0), MAX_LONG_POLL_SECONDS
        )
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.monotonic() >= deadline:
                    return list(self._updates)
            await asyncio.sleep(0.02)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in {
            "deleteWebhook",
            "setWebhook",
            "setMyCommands",
            "sendChatAction",
            "answerCallbackQuery",
            "editMessageReplyMarkup",
            "close",
        }:
            return True
        if method == "getFile" and params.get("file_id") in self.files:
            file_id = params["file_id"]
            return {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": len(self.files[file_id]),
                "file_path": f"photos/{file_id}",
            }
        if method in {"sendMessage", "editMessageText"}:
            chat_id = int(params["chat_id"])
            message = {
                "message_id": int(params.get("message_id") or next(self._message_ids)),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": BOT_USER,
                "text": params["text"],
            }
            # As Telegram: a Message carries only an inline keyboard back.
            if "inline_keyboard" in (params.get("reply_markup") or {}):
                message["reply_markup"] = params["reply_markup"]
            return message
        return None

    # -- the test side -------------------------------------------------------

    def _push(self, kind: str, payload: dict) -> dict:
        with self._lock:
            update = {"update_id": next(self._update_ids), kind: payload}
            self._updates.append(update)
        return update

    @staticmethod
    def user(user_id: int, language_code: str = "de") -> dict:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": "Erika",
            "language_code": language_code,
        }

    @staticmethod
    def chat(chat_id: int) -> dict:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Erika"}
        return {"id": chat_id, "type": "group", "title": "Nachbarschaft"}

    def message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        user_id: int | None = None,
        language_code: str = "de",
        **extra,
    ) -> dict:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id),
            "from": self.user(user_id or chat_id, language_code),
            **extra,
        }
        if text is not None:
            message["text"] = text
            if entities := _entities(text):
                message["entities"] = entities
        return message

    def send_text(self, chat_id: int, text: str, **kwargs) -> dict:
        return self._push("message", self.message(chat_id, text, **kwargs))

    def add_file(self, content: bytes) -> str:
        file_id = f"file-{next(self._file_ids)}"
        self.files[file_id] = content
        return file_id

    def send_photo(
        self,
        chat_id: int,
        sizes: list[tuple[bytes, int, int]] | None = None,
        **kwargs,
    ) -> dict:
        """A photo in the sizes Telegram offers, smallest first: (content, w, h)."""
        photo = [
            {"file_id": self.add_file(content), "file_unique_id": f"p{w}x{h}",
             "width": w, "height": h, "file_size": len(content)}
            for content, w, h in sizes or [(b"", 90, 90)]
        ]  # fmt: skip
        return self._push("message", self.message(chat_id, photo=photo, **kwargs))

    def send_location(
        self,
        chat_id: int,
        latitude: float,
        longitude: float,
        *,
        venue: tuple[str, str] | None = None,
        **kwargs,
    ) -> dict:
        """A shared location, or a venue (title, address) with its location."""
        location = {"latitude": latitude, "longitude": longitude}
        extra = {"location": location}
        if venue is not None:
            title, address = venue
            extra["venue"] = {"location": location, "title": title, "address": address}
        return self._push("message", self.message(chat_id, **extra, **kwargs))

    def press(self, call: Call, title: str, *, user_id: int | None = None) -> dict:
        """Press the button titled `title` under the message that `call` sent."""
        rows = call.params["reply_markup"]["inline_keyboard"]
        button = next(b for row in rows for b in row if b["text"] == title)
        chat_id = call.chat_id
        sent = {
            "message_id": 1,
            "date": int(time.time()),
            "chat": self.chat(chat_id),
            "from": BOT_USER,
            "text": call.text,
            "reply_markup": call.params["reply_markup"],
        }
        return self._push(
            "callback_query",
            {
                "id": f"cq-{next(self._update_ids)}",
                "from": self.user(user_id or chat_id),
                "chat_instance": f"ci-{chat_id}",
                "message": sent,
                "data": button["callback_data"],
            },
        )

    def fail(
        self, method: str, error_code: int, description: str, **parameters
    ) -> None:
        """Answer the next call of `method` with an error (parameters: retry_after, ...)."""
        fault = {"ok": False, "error_code": error_code, "description": description}
        if parameters:
            fault["parameters"] = parameters
        with self._lock:
            self.faults[method].append(fault)

    def sent(
        self, method: str = "sendMessage", chat_id: int | None = None
    ) -> list[Call]:
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == method and (chat_id is None or c.chat_id == chat_id)
            ]

    def wait_for(
        self,
        method: str,
        chat_id: int | None = None,
        *,
        count: int = 1,
        timeout: float = 60,
        answered: bool = True,
    ) -> list[Call]:
        """Block until `count` calls of `method` arrived (and, by default, were answered)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = [
                c
                for c in self.sent(method, chat_id)
                if c.ok is not None or not answered
            ]
            if len(calls) >= count:
                return calls
            time.sleep(0.05)
        raise AssertionError(
            f"expected {count} {method} call(s) to {chat_id}, got "
            f"{[c.text or c.params for c in self.sent(method, chat_id)]}"
        )

    async def until(
        self, method: str, chat_id: int | None = None, **kwargs
    ) -> list[Call]:
        """`wait_for` for async tests: waits without blocking their event loop."""
        return await asyncio.to_thread(self.wait_for, method, chat_id, **kwargs)

    def reply_after(
        self, chat_id: int, since: int, *, timeout: float = 60, quiet: float = 0.5
    ) -> list[Call]:
        """The bot's messages to `chat_id` after the first `since`, once it is
        quiet for `quiet` seconds (a reply may come in several messages)."""
        self.wait_for("sendMessage", chat_id, count=since + 1, timeout=timeout)
        while True:
            before = len(self.sent("sendMessage", chat_id))
            time.sleep(quiet)
            calls = self.sent("sendMessage", chat_id)
            if len(calls) == before:
                return calls[since:]


def main() -> None:
    """Talk to a running bot by hand: start this, then `make run` with
    TELEGRAM_BOT_TOKEN and TELEGRAM_BASE_URL as printed."""
    import argparse
    import html

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--chat", type=int, default=4242)
    parser.add_argument(
        "messages", nargs="+", help='e.g. "/start" "Was ist die Mitmachplattform?"'
    )
    args = parser.parse_args()
    api = FakeBotApi().start(args.port)
    print(f"TELEGRAM_BOT_TOKEN={TOKEN} TELEGRAM_BASE_URL={api.base_url} make run")
    try:
        api.wait_for("getUpdates", timeout=600)
        print("bot connected:", [c.params for c in api.sent("setMyCommands")][:1])
        for text in args.messages:
            before = len(api.sent("sendMessage", args.chat))
            api.send_text(args.chat, text)
            print(f"\n> {text}")
            for call in api.reply_after(args.chat, before):
                print(html.unescape(call.text))
                markup = call.params.get("reply_markup") or {"inline_keyboard": []}
                buttons = [b["text"] for row in markup["inline_keyboard"] for b in row]
                if buttons:
                    print("  [" + "] [".join(buttons) + "]")
    finally:
        api.stop()


if __name__ == "__main__":
    main()
