"""A small REST client for talking to the assistant in tests."""

from __future__ import annotations

import re

import aiohttp

REFERENCE = re.compile(r"V-[0-9A-Z]{4}-[0-9A-Z]{4}")


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


def joined(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def payloads(replies: list[dict]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons") or []]
