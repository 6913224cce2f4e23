"""The installation's secret: from SMARTCITY_SECRET_KEY, else a key file made once."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from pathlib import Path

from core.files import private_dir
from core.settings import Settings

MIN_LENGTH = 32


class SecretKeyError(ValueError):
    pass


def _new_secret() -> str:
    return secrets.token_urlsafe(48)


def read_or_create(path: Path, make: Callable[[], str] = _new_secret) -> str:
    """The key in `path`; made once with `make` and stored with mode 0600."""
    private_dir(path.parent)
    try:
        # O_EXCL: if two processes start at once, exactly one writes the key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as key_file:
        key = make()
        key_file.write(key + "\n")
    return key


@lru_cache(maxsize=4)
def secret_key(settings: Settings) -> bytes:
    """Read once per settings: actions call this on every message."""
    key = settings.secret_key_env or read_or_create(settings.secret_key_file)
    if len(key) < MIN_LENGTH:
        raise SecretKeyError(
            f"the secret key must have at least {MIN_LENGTH} characters "
            f"(SMARTCITY_SECRET_KEY or {settings.secret_key_file})"
        )
    return key.encode()


def sender_key(sender_id: str, settings: Settings) -> str:
    """A stable pseudonym for a sender: HMAC, so the platform id is not stored."""
    digest = hmac.new(secret_key(settings), sender_id.encode(), hashlib.sha256)
    return digest.hexdigest()


def email_key(address: str, settings: Settings) -> str:
    """An e-mail address as a keyed hash: the deletion journal names an
    unsubscribed address by this, never by the address itself."""
    digest = hmac.new(secret_key(settings), f"email:{address}".encode(), hashlib.sha256)
    return digest.hexdigest()


def key_check(settings: Settings) -> str:
    """A short fingerprint of the secret key that tells nothing about it: a
    backup records it, and a restore refuses to run under another key (the
    pseudonyms in the backup would then match no citizen and no deletion)."""
    message = b"smartcity: which secret key"
    return hmac.new(secret_key(settings), message, hashlib.sha256).hexdigest()[:16]


def address_key(address: str, day: date, settings: Settings) -> str:
    """The client address as a keyed hash that changes every day: budgets per
    address count with it, and no day can be linked to the next. An IPv6 /64
    is one household's, as one IPv4 address is, so it counts as one."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        ip = None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        address = str(ipaddress.IPv6Network((ip, 64), strict=False))
    elif isinstance(ip, ipaddress.IPv6Address):
        address = str(ip.ipv4_mapped)
    message = f"address:{day.isoformat()}:{address}".encode()
    return hmac.new(secret_key(settings), message, hashlib.sha256).hexdigest()[:32]


@lru_cache(maxsize=4)
def rasa_api_token(settings: Settings) -> str:
    """The token of Rasa's HTTP API: RASA_API_TOKEN, else a file made once.

    The launcher hands it to Rasa and the web app uses it; nobody else needs it.
    """
    return settings.rasa_api_token_env or read_or_create(
        settings.rasa_api_token_file, lambda: secrets.token_urlsafe(32)
    )


def unsubscribe_token(suggestion_id: int, address: str, settings: Settings) -> str:
    """For the link in every e-mail: names the suggestion, proves the address.
    It stops working once the address is gone, so a link cannot be replayed."""
    message = f"unsubscribe:{suggestion_id}:{address}".encode()
    digest = hmac.new(secret_key(settings), message, hashlib.sha256).hexdigest()
    return f"{suggestion_id}.{digest[:32]}"


def unsubscribe_suggestion_id(token: str) -> int | None:
    """The suggestion a token names, before it is checked against the address."""
    number, _, digest = token.partition(".")
    return int(number) if number.isdigit() and len(digest) == 32 else None


def unsubscribe_token_valid(token: str, address: str, settings: Settings) -> bool:
    suggestion_id = unsubscribe_suggestion_id(token)
    if suggestion_id is None:
        return False
    expected = unsubscribe_token(suggestion_id, address, settings)
    return hmac.compare_digest(expected.encode(), token.encode())
