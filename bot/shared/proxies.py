"""The client's address, also behind a reverse proxy that the operator trusts.

Behind a proxy every request comes from the proxy's address, so limits per
address would count all citizens together. X-Forwarded-For is believed only
when the request comes from a configured proxy (TRUSTED_PROXIES), because any
client can send that header.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from aiohttp import web

from core.settings import Network


def _trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def from_trusted_proxy(request: web.Request, trusted: tuple[Network, ...]) -> bool:
    """Whether the request comes from one of our proxies, whose headers we believe."""
    return _trusted(request.remote or "", trusted)


def client_address(request: web.Request, trusted: tuple[Network, ...]) -> str:
    """The nearest address in the chain that is not one of our proxies."""
    remote = request.remote or "unknown"
    if not trusted or not _trusted(remote, trusted):
        return remote
    forwarded = [
        hop.strip()
        for header in request.headers.getall("X-Forwarded-For", [])
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(forwarded):
        if not _trusted(hop, trusted):
            return hop
    return remote
