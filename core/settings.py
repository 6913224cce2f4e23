"""All configuration, read from the environment with safe defaults.

Every variable here is documented in the README's "Configuration" table.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A variable is set to a value the assistant cannot use."""


def _int(env: dict[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _port(env: dict[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value > 65535:
        raise SettingsError(f"{name} must be a TCP port (1-65535), got {value}")
    return value


def _path(env: dict[str, str], name: str, default: Path) -> Path:
    raw = env.get(name, "").strip()
    path = Path(raw) if raw else default
    return path if path.is_absolute() else PROJECT_ROOT / path


def _timezone(env: dict[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name} is not a known time zone: {value!r}") from None
    return value


def _log_level(env: dict[str, str], name: str, default: str) -> str:
    value = (env.get(name, "").strip() or default).upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(
            f"{name} must be DEBUG, INFO, WARNING or ERROR, got {value!r}"
        )
    return value


def _log_format(env: dict[str, str], name: str) -> str:
    value = env.get(name, "").strip().lower() or "text"
    if value not in {"text", "json"}:
        raise SettingsError(f"{name} must be text or json, got {value!r}")
    return value


# Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and - in a webhook secret.
WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
# A bot's username: 5-32 characters of A-Z, a-z, 0-9 and _, ending in "bot".
BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{1,28}bot$", re.IGNORECASE)
API_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,256}$")


def _url(env: dict[str, str], name: str) -> str | None:
    value = env.get(name, "").strip() or None
    parts = urlsplit(value or "")
    if value and (parts.scheme not in {"http", "https"} or not parts.netloc):
        raise SettingsError(f"{name} must be an http(s) URL, got {value!r}")
    return value


def _redis_url(env: dict[str, str], name: str) -> str | None:
    value = env.get(name, "").strip() or None
    parts = urlsplit(value or "")
    if value and (parts.scheme not in {"redis", "rediss"} or not parts.hostname):
        # Without the value: it may carry a password.
        raise SettingsError(f"{name} must be a redis:// or rediss:// URL")
    return value


def _flag(env: dict[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value not in {"", "0", "1", "true", "false"}:
        raise SettingsError(f"{name} must be 1 or 0, got {value!r}")
    return value in {"1", "true"}


# Names a release renamed: the old name still works until the new one is set.
RENAMED = {
    "OUTBOX_POLL_SECONDS": "NOTIFICATION_POLL_SECONDS",
    "OUTBOX_LEASE_SECONDS": "NOTIFICATION_LEASE_SECONDS",
}


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not 0 < value <= 3600:
        raise SettingsError(f"{name} must be between 0 and 3600, got {value}")
    return value


def _origins(env: dict[str, str], name: str) -> tuple[str, ...]:
    origins = []
    for raw in env.get(name, "").split(","):
        origin = raw.strip().rstrip("/")
        if not origin:
            continue
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path:
            raise SettingsError(
                f"{name} must list origins like https://www.stadt.example, got {raw!r}"
            )
        origins.append(origin)
    return tuple(origins)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(raw: str) -> tuple[Network, ...]:
    """ "10.0.0.5, 192.168.0.0/24" -> networks; ValueError names a bad entry."""
    return tuple(
        ipaddress.ip_network(item.strip(), strict=False)
        for item in raw.split(",")
        if item.strip()
    )


def _networks(env: dict[str, str], name: str) -> tuple[Network, ...]:
    try:
        return parse_networks(env.get(name, ""))
    except ValueError as error:
        raise SettingsError(
            f"{name} must list IP addresses or networks like 10.0.0.0/8: {error}"
        ) from None


def _loopback(env: dict[str, str], name: str) -> str:
    """Rasa and the action server have no authentication: they stay on loopback."""
    value = env.get(name, "").strip() or "127.0.0.1"
    try:
        loopback = ipaddress.ip_address(value).is_loopback
    except ValueError:
        loopback = value == "localhost"
    if not loopback:
        raise SettingsError(
            f"{name} must be a loopback address such as 127.0.0.1, got {value!r}: "
            "Rasa and the action server must not be reachable from outside"
        )
    return value


# The site of the example content (data/content/contact.yml): a city sets its own.
DEFAULT_SERVICE_PORTAL_URL = "https://www.example.org/"


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    base_url: str | None
    webhook_url: str | None
    webhook_secret: str | None
    # The bot's @name: the web chat links to it ("Auf Telegram weiterverfolgen")
    # only when the action server, which writes the answers, knows it.
    username: str | None = None

    @property
    def webhook_path(self) -> str:
        """The path Telegram posts to, taken from the public webhook URL."""
        return urlsplit(self.webhook_url or "").path.rstrip("/") or "/telegram"

    @classmethod
    def from_env(cls, env: dict[str, str]) -> TelegramSettings | None:
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            return None
        webhook_url = _url(env, "TELEGRAM_WEBHOOK_URL")
        secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None
        if webhook_url and not webhook_url.startswith("https://"):
            raise SettingsError("TELEGRAM_WEBHOOK_URL must be an https:// URL")
        if webhook_url and not secret:
            raise SettingsError(
                "TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET, so that only "
                "Telegram can post updates"
            )
        if secret and not WEBHOOK_SECRET.match(secret):
            raise SettingsError(
                "TELEGRAM_WEBHOOK_SECRET must be 16-256 characters of A-Z, a-z, "
                "0-9, _ and -"
            )
        username = env.get("TELEGRAM_BOT_USERNAME", "").strip().removeprefix("@")
        if username and not BOT_USERNAME.match(username):
            raise SettingsError(
                "TELEGRAM_BOT_USERNAME must be the bot's username from @BotFather "
                "(5-32 characters of A-Z, a-z, 0-9 and _, ending in bot), "
                f"got {username!r}"
            )
        return cls(
            token, _url(env, "TELEGRAM_BASE_URL"), webhook_url, secret, username or None
        )


SMTP_TLS_MODES = ("starttls", "tls", "none")


@dataclass(frozen=True)
class SmtpSettings:
    """Where news by e-mail goes out; without SMTP_HOST no e-mail is sent."""

    host: str
    port: int
    tls: str  # one of SMTP_TLS_MODES
    username: str | None
    password: str | None = field(repr=False)
    mail_from: str

    @classmethod
    def from_env(cls, env: dict[str, str]) -> SmtpSettings | None:
        host = env.get("SMTP_HOST", "").strip()
        if not host:
            return None
        tls = env.get("SMTP_TLS", "").strip().lower() or "starttls"
        if tls not in SMTP_TLS_MODES:
            raise SettingsError(f"SMTP_TLS must be starttls, tls or none, got {tls!r}")
        mail_from = env.get("MAIL_FROM", "").strip()
        if "@" not in mail_from:
            raise SettingsError(
                "SMTP_HOST needs MAIL_FROM, the sender address, e.g. "
                "smartcity@stadt.example"
            )
        username = env.get("SMTP_USERNAME", "").strip() or None
        # Not stripped: a password may end in a space.
        password = env.get("SMTP_PASSWORD") or None
        if password and not username:
            raise SettingsError("SMTP_PASSWORD needs SMTP_USERNAME")
        return cls(
            host, _port(env, "SMTP_PORT", 587), tls, username, password, mail_from
        )


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    content_dir: Path
    timezone: str
    host: str
    rasa_port: int
    action_port: int
    model_path: Path
    events_default_days: int
    list_limit: int
    log_level: str
    tracker_store_url: str
    suggestions_per_day: int
    retention_days: int
    # Photos received per hour (waiting or sent) from one client address and
    # from everyone; supports per client address and day (issue 30).
    photos_per_address_per_hour: int
    photo_mb_per_address_per_hour: int
    photos_per_hour: int
    photo_mb_per_hour: int
    supports_per_address_per_day: int
    secret_key_env: str | None
    web_host: str
    web_port: int
    web_allowed_origins: tuple[str, ...]
    web_chat_per_minute: int
    web_address_per_minute: int
    web_global_per_minute: int
    telegram_per_minute: int
    rasa_timeout: float
    session_max_turns: int
    notification_poll_seconds: float
    notification_lease_seconds: float
    telegram: TelegramSettings | None
    staff_session_key_env: str | None
    staff_idle_minutes: int
    staff_session_hours: int
    live_idle_minutes: int
    live_max_waiting: int
    live_waiting_per_address: int
    staff_login_attempts: int
    staff_secure_cookies: bool
    trusted_proxies: tuple[Network, ...]
    staff_ics_allowed_hosts: frozenset[str]
    lock_store_url: str | None
    rasa_workers: int
    redis_url: str | None
    # Backups (docs/operations.md): where they go, how many days they are kept,
    # whom they are encrypted for (age public keys); and the journal of
    # deletions that a restore applies again (core.deletion_journal).
    deletion_journal: Path = PROJECT_ROOT / "var" / "deletions.jsonl"
    backup_dir: Path = PROJECT_ROOT / "var" / "backups"
    backup_keep_days: int = 30
    backup_recipients: tuple[str, ...] = ()
    public_url_env: str | None = None
    # Where out-of-scope questions ("Personalausweis verlängern") are sent.
    service_portal_url: str = DEFAULT_SERVICE_PORTAL_URL
    smtp: SmtpSettings | None = None
    rasa_api_token_env: str | None = None
    # /metrics from beyond loopback, e.g. a Prometheus on another host.
    metrics_token: str | None = None
    # Tests and demos only: the office's clock stands still at this instant.
    fixed_time: datetime | None = None
    # "json": one JSON object per log line, for a log shipper (core.logs).
    log_format: str = "text"
    # "Auf Telegram weiterverfolgen" (issue 36.3): how long a link works, and
    # how many links one web chat gets per day.
    telegram_link_minutes: int = 30
    telegram_links_per_day: int = 10
    # The local hour from which the day's digest of what citizens follow
    # goes out (issue 36.2).
    follow_digest_hour: int = 17

    @property
    def rasa_api_token_file(self) -> Path:
        return self.var_dir / "rasa-api.token"

    def now(self) -> datetime:
        """The time for office hours and live-chat availability (aware UTC)."""
        return self.fixed_time or datetime.now(timezone.utc)

    @property
    def public_url(self) -> str:
        """Where citizens reach the web app (links to the board in chat replies)."""
        return (self.public_url_env or self.web_url).rstrip("/")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def secret_key_file(self) -> Path:
        return self.var_dir / "secret.key"

    @property
    def staff_session_key_file(self) -> Path:
        return self.var_dir / "staff-session.key"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.host}:{self.action_port}/webhook"

    @property
    def action_health_url(self) -> str:
        return f"http://{self.host}:{self.action_port}/health"

    @property
    def web_url(self) -> str:
        return f"http://{self.web_host}:{self.web_port}"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        for old, new in RENAMED.items():
            if env.get(old, "").strip() and not env.get(new, "").strip():
                env[new] = env[old]
        var_dir = _path(env, "SMARTCITY_VAR_DIR", PROJECT_ROOT / "var")
        database_url = env.get("DATABASE_URL", "").strip() or (
            f"sqlite:///{var_dir / 'smartcity.db'}"
        )
        return cls(
            var_dir=var_dir,
            database_url=database_url,
            content_dir=_path(env, "CONTENT_DIR", PROJECT_ROOT / "data" / "content"),
            timezone=_timezone(env, "SMARTCITY_TIMEZONE", "Europe/Berlin"),
            host=_loopback(env, "SMARTCITY_HOST"),
            rasa_port=_port(env, "RASA_PORT", 5005),
            action_port=_port(env, "ACTION_PORT", 5055),
            model_path=_path(env, "RASA_MODEL", PROJECT_ROOT / "models"),
            events_default_days=_int(env, "EVENTS_DEFAULT_DAYS", 30),
            list_limit=_int(env, "LIST_LIMIT", 8),
            log_level=_log_level(env, "LOG_LEVEL", "INFO"),
            log_format=_log_format(env, "LOG_FORMAT"),
            tracker_store_url=env.get("TRACKER_STORE_URL", "").strip()
            or f"sqlite:///{var_dir / 'tracker.db'}",
            suggestions_per_day=_int(env, "SUGGESTIONS_PER_DAY", 5),
            retention_days=_int(env, "RETENTION_DAYS", 180),
            photos_per_address_per_hour=_int(env, "PHOTOS_PER_ADDRESS_PER_HOUR", 12),
            photo_mb_per_address_per_hour=_int(
                env, "PHOTO_MB_PER_ADDRESS_PER_HOUR", 24
            ),
            photos_per_hour=_int(env, "PHOTOS_PER_HOUR", 600),
            photo_mb_per_hour=_int(env, "PHOTO_MB_PER_HOUR", 300),
            supports_per_address_per_day=_int(env, "SUPPORTS_PER_ADDRESS_PER_DAY", 10),
            secret_key_env=env.get("SMARTCITY_SECRET_KEY", "").strip() or None,
            web_host=env.get("WEB_HOST", "").strip() or "127.0.0.1",
            web_port=_port(env, "WEB_PORT", 8080),
            web_allowed_origins=_origins(env, "WEB_ALLOWED_ORIGINS"),
            public_url_env=_url(env, "PUBLIC_URL"),
            service_portal_url=_url(env, "SERVICE_PORTAL_URL")
            or DEFAULT_SERVICE_PORTAL_URL,
            web_chat_per_minute=_int(env, "WEB_CHAT_PER_MINUTE", 20),
            web_address_per_minute=_int(env, "WEB_ADDRESS_PER_MINUTE", 60),
            web_global_per_minute=_int(env, "WEB_GLOBAL_PER_MINUTE", 1200),
            telegram_per_minute=_int(env, "TELEGRAM_PER_MINUTE", 20),
            rasa_timeout=_float(env, "RASA_TIMEOUT", 10.0),
            session_max_turns=_int(env, "SESSION_MAX_TURNS", 40, minimum=2),
            notification_poll_seconds=_float(env, "NOTIFICATION_POLL_SECONDS", 5.0),
            notification_lease_seconds=_float(env, "NOTIFICATION_LEASE_SECONDS", 120.0),
            telegram=TelegramSettings.from_env(env),
            telegram_link_minutes=_link_minutes(env),
            telegram_links_per_day=_int(env, "TELEGRAM_LINKS_PER_DAY", 10),
            follow_digest_hour=_hour(env, "FOLLOW_DIGEST_HOUR", 17),
            smtp=SmtpSettings.from_env(env),
            staff_session_key_env=env.get("STAFF_SESSION_KEY", "").strip() or None,
            staff_idle_minutes=_int(env, "STAFF_IDLE_MINUTES", 30),
            staff_session_hours=_int(env, "STAFF_SESSION_HOURS", 12),
            live_idle_minutes=_int(env, "LIVE_IDLE_MINUTES", 30),
            live_max_waiting=_int(env, "LIVE_MAX_WAITING", 20),
            live_waiting_per_address=_int(env, "LIVE_WAITING_PER_ADDRESS", 2),
            staff_login_attempts=_int(env, "STAFF_LOGIN_ATTEMPTS", 5),
            staff_secure_cookies=_flag(env, "STAFF_SECURE_COOKIES"),
            trusted_proxies=_networks(env, "TRUSTED_PROXIES"),
            staff_ics_allowed_hosts=frozenset(
                host.strip().casefold()
                for host in env.get("STAFF_ICS_ALLOWED_HOSTS", "").split(",")
                if host.strip()
            ),
            lock_store_url=_redis_url(env, "LOCK_STORE_URL"),
            rasa_workers=_rasa_workers(env),
            redis_url=_redis_url(env, "REDIS_URL"),
            deletion_journal=_path(
                env, "DELETION_JOURNAL", var_dir / "deletions.jsonl"
            ),
            backup_dir=_path(env, "BACKUP_DIR", var_dir / "backups"),
            backup_keep_days=_backup_keep_days(env),
            backup_recipients=_age_recipients(env, "BACKUP_RECIPIENT"),
            rasa_api_token_env=_api_token(env, "RASA_API_TOKEN"),
            metrics_token=_api_token(env, "METRICS_TOKEN"),
            fixed_time=_instant(env, "SMARTCITY_FIXED_TIME"),
        )


# An age X25519 public key: "age1" and 58 characters of bech32.
AGE_RECIPIENT = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")


def _age_recipients(env: dict[str, str], name: str) -> tuple[str, ...]:
    """Public keys (comma-separated) that backups are encrypted for."""
    keys = tuple(k.strip() for k in env.get(name, "").split(",") if k.strip())
    for key in keys:
        if key.upper().startswith("AGE-SECRET-KEY"):
            raise SettingsError(
                f"{name} holds a private key: it takes the public key (age1...); "
                "the private key belongs offline, not on this server"
            )
        if not AGE_RECIPIENT.match(key):
            raise SettingsError(
                f"{name} must list age public keys (age1..., made with age-keygen), "
                f"got {key[:12]!r}..."
            )
    return keys


def _backup_keep_days(env: dict[str, str]) -> int:
    """How long backups are kept: never longer than the retention period, or a
    backup would keep what `smartcity retention purge` already removed."""
    retention = _int(env, "RETENTION_DAYS", 180)
    keep = _int(env, "BACKUP_KEEP_DAYS", min(30, retention))
    if keep > retention:
        raise SettingsError(
            f"BACKUP_KEEP_DAYS ({keep}) must not exceed RETENTION_DAYS ({retention}): "
            "a backup must not keep personal data longer than the retention period"
        )
    return keep


# A link to Telegram is for going there now, not a standing key to a suggestion.
MAX_LINK_MINUTES = 24 * 60


def _link_minutes(env: dict[str, str]) -> int:
    minutes = _int(env, "TELEGRAM_LINK_MINUTES", 30)
    if minutes > MAX_LINK_MINUTES:
        raise SettingsError(
            f"TELEGRAM_LINK_MINUTES must be at most {MAX_LINK_MINUTES} (a day), "
            f"got {minutes}"
        )
    return minutes


def _hour(env: dict[str, str], name: str, default: int) -> int:
    hour = _int(env, name, default, minimum=0)
    if hour > 23:
        raise SettingsError(f"{name} must be an hour of the day (0-23), got {hour}")
    return hour


def _api_token(env: dict[str, str], name: str) -> str | None:
    value = env.get(name, "").strip() or None
    if value and not API_TOKEN.match(value):
        raise SettingsError(
            f"{name} must be 32-256 characters of A-Z, a-z, 0-9, _ and -"
        )
    return value


def _instant(env: dict[str, str], name: str) -> datetime | None:
    """An ISO 8601 instant with its offset, e.g. 2026-12-02T10:00:00+01:00."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an ISO 8601 time, got {raw!r}") from None
    if value.tzinfo is None:
        raise SettingsError(f"{name} needs an offset such as +01:00, got {raw!r}")
    return value.astimezone(timezone.utc)


# Each worker holds its own model (about 370 MB more PSS); beyond this, add hosts.
DEFAULT_MAX_RASA_WORKERS = 4


def _rasa_workers(env: dict[str, str]) -> int:
    """One Rasa worker per core this process may use, unless RASA_WORKERS says."""
    cores = len(os.sched_getaffinity(0))
    workers = _int(env, "RASA_WORKERS", min(cores, DEFAULT_MAX_RASA_WORKERS))
    if workers > 64:
        raise SettingsError(f"RASA_WORKERS must be at most 64, got {workers}")
    return workers


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call get_settings.cache_clear() after changing env."""
    return Settings.from_env()
