"""Fetching a calendar from a URL an admin typed, without becoming a proxy into
the city's own network (SSRF).

Loopback, private, link-local (cloud metadata at 169.254.169.254), multicast
and reserved addresses are refused: in the URL itself, after DNS resolution
(at connect time, so a name cannot be rebound between check and use) and
after every redirect. Size and time are capped. An intranet calendar server
can be allowed by name in STAFF_ICS_ALLOWED_HOSTS.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver

MAX_REDIRECTS = 3
TIMEOUT = aiohttp.ClientTimeout(total=15, sock_connect=5)


class FetchRefused(ValueError):
    """Not fetched; the message is German and safe to show to the admin."""


def public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _PublicOnly(AbstractResolver):
    """Resolves as usual, then drops every address that is not public."""

    def __init__(self, allowed_hosts: frozenset[str]) -> None:
        self._inner = DefaultResolver()
        self._allowed = allowed_hosts

    async def resolve(
        self, host: str, port: int = 0, family: int = socket.AF_INET
    ) -> list[dict[str, Any]]:
        found = await self._inner.resolve(host, port, family)
        if host.casefold() in self._allowed:
            return [
                a for a in found if not ipaddress.ip_address(a["host"]).is_link_local
            ]
        kept = [address for address in found if public(address["host"])]
        if not kept:
            raise OSError(f"{host} resolves to no public address")
        return kept

    async def close(self) -> None:
        await self._inner.close()


def _check_url(url: str, allowed_hosts: frozenset[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused("Die Adresse muss mit http:// oder https:// beginnen.")
    host = parts.hostname.casefold()
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return  # a name: the resolver checks its addresses when connecting
    if literal.is_link_local or (host not in allowed_hosts and not public(host)):
        raise FetchRefused(
            "Diese Adresse ist aus dem internen Netz; sie wird nicht abgerufen."
        )


async def _body(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    # read(n) returns what has arrived, not n bytes: count the whole stream.
    too_large = FetchRefused(f"Der Kalender ist größer als {max_bytes // 1024**2} MB.")
    if (response.content_length or 0) > max_bytes:
        raise too_large
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def fetch(url: str, *, max_bytes: int, allowed_hosts: frozenset[str]) -> bytes:
    """The body at `url`; FetchRefused with a German reason otherwise."""
    connector = aiohttp.TCPConnector(
        resolver=_PublicOnly(allowed_hosts), use_dns_cache=False
    )
    async with aiohttp.ClientSession(timeout=TIMEOUT, connector=connector) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            _check_url(url, allowed_hosts)
            try:
                async with client.get(url, allow_redirects=False) as response:
                    if response.status in (301, 302, 303, 307, 308):
                        url = urljoin(url, response.headers.get("Location", ""))
                        continue
                    if response.status != 200:
                        raise FetchRefused(
                            f"Der Server antwortete mit {response.status}."
                        )
                    return await _body(response, max_bytes)
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
                raise FetchRefused("Der Server war nicht erreichbar.") from None
    raise FetchRefused("Zu viele Weiterleitungen.")
