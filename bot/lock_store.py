"""Rasa's RedisLockStore, configured by one URL (LOCK_STORE_URL).

With several Rasa processes (RASA_WORKERS, or several hosts), a citizen's
messages may reach different processes; the lock in Redis makes them take
turns on that conversation, in the order they arrived.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

DEFAULT_DB = 1  # Rasa's own default for its lock store


class RedisURLLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        url = urlsplit(endpoint_config.url or "")
        database = url.path.lstrip("/")
        super().__init__(
            host=url.hostname or "localhost",
            port=url.port or 6379,
            db=int(database) if database.isdigit() else DEFAULT_DB,
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password else None,
            use_ssl=url.scheme == "rediss",
            key_prefix=endpoint_config.kwargs.get("key_prefix"),
        )
