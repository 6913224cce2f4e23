import pytest

from core.settings import PROJECT_ROOT, Settings, SettingsError


def test_defaults_are_embedded_and_loopback():
    settings = Settings.from_env({})
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'smartcity.db'}"
    assert (settings.host, settings.rasa_port, settings.action_port) == (
        "127.0.0.1",
        5005,
        5055,
    )
    assert settings.timezone == "Europe/Berlin"
    assert settings.action_url == "http://127.0.0.1:5055/webhook"


def test_environment_overrides():
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://u@db/x",
            "RASA_PORT": "6005",
            "ACTION_PORT": "6055",
            "SMARTCITY_TIMEZONE": "Europe/Vienna",
            "CONTENT_DIR": "/srv/content",
            "LIST_LIMIT": "5",
        }
    )
    assert settings.database_url == "postgresql://u@db/x"
    assert (settings.rasa_port, settings.action_port, settings.list_limit) == (
        6005,
        6055,
        5,
    )
    assert str(settings.content_dir) == "/srv/content"
    assert settings.tz.key == "Europe/Vienna"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RASA_PORT", "abc", "RASA_PORT must be a whole number"),
        ("ACTION_PORT", "70000", "ACTION_PORT must be a TCP port"),
        ("LIST_LIMIT", "0", "LIST_LIMIT must be at least 1"),
        ("SMARTCITY_TIMEZONE", "Mars/Olympus", "not a known time zone"),
        ("LOG_LEVEL", "chatty", "LOG_LEVEL must be"),
        ("LOG_FORMAT", "yaml", "LOG_FORMAT must be text or json, got 'yaml'"),
        ("STAFF_IDLE_MINUTES", "0", "STAFF_IDLE_MINUTES must be at least 1"),
        ("STAFF_SECURE_COOKIES", "yes", "STAFF_SECURE_COOKIES must be 1 or 0"),
        # Issue 13: Rasa and the action server have no authentication.
        ("SMARTCITY_HOST", "0.0.0.0", "SMARTCITY_HOST must be a loopback address"),
        ("SMARTCITY_HOST", "10.1.2.3", "SMARTCITY_HOST must be a loopback address"),
        ("SMARTCITY_HOST", "rasa.example", "SMARTCITY_HOST must be a loopback"),
        ("TRUSTED_PROXIES", "10.0.0.1, proxy", "TRUSTED_PROXIES must list IP"),
        ("FOLLOW_DIGEST_HOUR", "24", "FOLLOW_DIGEST_HOUR must be an hour of the day"),
        ("FOLLOW_DIGEST_HOUR", "-1", "FOLLOW_DIGEST_HOUR must be at least 0"),
        ("FOLLOW_DIGEST_HOUR", "5pm", "FOLLOW_DIGEST_HOUR must be a whole number"),
    ],
)
def test_bad_values_are_named(name, value, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({name: value})


def test_the_digest_goes_out_at_five_unless_told():
    assert Settings.from_env({}).follow_digest_hour == 17
    assert Settings.from_env({"FOLLOW_DIGEST_HOUR": "0"}).follow_digest_hour == 0
    assert Settings.from_env({"FOLLOW_DIGEST_HOUR": "23"}).follow_digest_hour == 23


def test_the_service_portal_defaults_to_the_example_site_and_must_be_a_web_url():
    """Issue 31.8: out-of-scope answers link to it, so it is never empty or broken."""
    assert Settings.from_env({}).service_portal_url == "https://www.example.org/"
    blank = Settings.from_env({"SERVICE_PORTAL_URL": "  "})
    assert blank.service_portal_url == "https://www.example.org/"
    portal = "https://www.stadt.example/buergerservice"
    assert (
        Settings.from_env({"SERVICE_PORTAL_URL": portal}).service_portal_url == portal
    )
    for wrong in ("www.stadt.example", "javascript:alert(1)", "ftp://stadt.example"):
        with pytest.raises(SettingsError, match="SERVICE_PORTAL_URL must be an http"):
            Settings.from_env({"SERVICE_PORTAL_URL": wrong})


TOKEN = {"TELEGRAM_BOT_TOKEN": "123:abc"}
SECRET = "0123456789abcdef-_XYZ"


def test_telegram_is_off_without_a_token_and_polls_with_one():
    assert Settings.from_env({}).telegram is None
    telegram = Settings.from_env(TOKEN).telegram
    assert telegram.token == "123:abc"
    assert telegram.webhook_url is None and telegram.base_url is None


def test_the_web_chat_links_to_the_bot_only_when_its_name_is_known():
    """Issue 36.3: the action server cannot ask Telegram for the name."""
    assert Settings.from_env(TOKEN).telegram.username is None
    named = Settings.from_env({**TOKEN, "TELEGRAM_BOT_USERNAME": "@Stadt_KL_bot"})
    assert named.telegram.username == "Stadt_KL_bot"
    assert (named.telegram_link_minutes, named.telegram_links_per_day) == (30, 10)


def test_webhook_settings():
    telegram = Settings.from_env(
        {
            **TOKEN,
            "TELEGRAM_WEBHOOK_URL": "https://chat.stadt.example/telegram/hook/",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
        }
    ).telegram
    assert telegram.webhook_path == "/telegram/hook"
    assert telegram.base_url == "http://127.0.0.1:8081/bot"
    bare = Settings.from_env(
        {
            **TOKEN,
            "TELEGRAM_WEBHOOK_URL": "https://chat.stadt.example",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
        }
    ).telegram
    assert bare.webhook_path == "/telegram"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"TELEGRAM_WEBHOOK_URL": "https://x.example/t"},
            "needs TELEGRAM_WEBHOOK_SECRET",
        ),
        (
            {
                "TELEGRAM_WEBHOOK_URL": "http://x.example/t",
                "TELEGRAM_WEBHOOK_SECRET": SECRET,
            },
            "must be an https:// URL",
        ),
        (
            {
                "TELEGRAM_WEBHOOK_URL": "https://x.example/t",
                "TELEGRAM_WEBHOOK_SECRET": "kurz",
            },
            "16-256 characters",
        ),
        (
            {
                "TELEGRAM_WEBHOOK_URL": "https://x.example/t",
                "TELEGRAM_WEBHOOK_SECRET": "leer zeichen sind nicht erlaubt",
            },
            "16-256 characters",
        ),
        ({"TELEGRAM_BASE_URL": "api.telegram.org"}, "must be an http"),
        ({"TELEGRAM_BOT_USERNAME": "stadt kl"}, "TELEGRAM_BOT_USERNAME must be"),
        ({"TELEGRAM_BOT_USERNAME": "stadt_kl"}, "ending in bot"),
        ({"TELEGRAM_LINK_MINUTES": "1441"}, "at most 1440"),
        ({"RASA_TIMEOUT": "zehn"}, "RASA_TIMEOUT must be a number"),
        ({"NOTIFICATION_POLL_SECONDS": "0"}, "between 0 and 3600"),
    ],
)
def test_bad_telegram_values_are_named(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({**TOKEN, **env})


def test_allowed_origins():
    settings = Settings.from_env(
        {"WEB_ALLOWED_ORIGINS": " https://www.stadt.example/ , http://localhost:3000"}
    )
    assert settings.web_allowed_origins == (
        "https://www.stadt.example",
        "http://localhost:3000",
    )
    assert Settings.from_env({}).web_allowed_origins == ()


@pytest.mark.parametrize(
    "value", ["www.stadt.example", "https://www.stadt.example/seite", "*"]
)
def test_bad_origins_are_named(value):
    with pytest.raises(SettingsError, match="WEB_ALLOWED_ORIGINS must list origins"):
        Settings.from_env({"WEB_ALLOWED_ORIGINS": value})


def test_staff_session_key_must_be_a_fernet_key(tmp_path):
    from bot.staff.sessions import session_fernet

    settings = Settings.from_env({"STAFF_SESSION_KEY": "zu-kurz"})
    with pytest.raises(SettingsError, match="STAFF_SESSION_KEY must be a Fernet key"):
        session_fernet(settings)


def test_loopback_hosts_and_trusted_proxies_are_taken():
    settings = Settings.from_env(
        {"SMARTCITY_HOST": "::1", "TRUSTED_PROXIES": "10.0.0.5, 192.168.0.0/24"}
    )
    assert settings.host == "::1"
    assert [str(n) for n in settings.trusted_proxies] == [
        "10.0.0.5/32",
        "192.168.0.0/24",
    ]
    assert Settings.from_env({"SMARTCITY_HOST": "localhost"}).host == "localhost"


def test_rasa_uses_a_worker_per_core_unless_told(monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1, 2})
    assert Settings.from_env({}).rasa_workers == 3
    assert Settings.from_env({"RASA_WORKERS": "1"}).rasa_workers == 1
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: set(range(32)))
    assert Settings.from_env({}).rasa_workers == 4
    with pytest.raises(SettingsError, match="RASA_WORKERS"):
        Settings.from_env({"RASA_WORKERS": "0"})


def test_smtp_is_off_without_a_host_and_parsed_with_one():
    assert Settings.from_env({}).smtp is None
    smtp = Settings.from_env(
        {
            "SMTP_HOST": "mail.stadt.example",
            "MAIL_FROM": "smartcity@stadt.example",
            "SMTP_USERNAME": "assistent",
            "SMTP_PASSWORD": "geheim ",
        }
    ).smtp
    assert (smtp.port, smtp.tls, smtp.password) == (587, "starttls", "geheim ")
    assert "geheim" not in repr(smtp)  # never in a log line


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({}, "SMTP_HOST needs MAIL_FROM"),
        ({"MAIL_FROM": "a@b.example", "SMTP_TLS": "ssl"}, "SMTP_TLS must be"),
        ({"MAIL_FROM": "a@b.example", "SMTP_PASSWORD": "x"}, "needs SMTP_USERNAME"),
        ({"MAIL_FROM": "a@b.example", "SMTP_PORT": "70000"}, "SMTP_PORT"),
    ],
)
def test_bad_smtp_settings_are_refused(extra, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"SMTP_HOST": "mail.stadt.example", **extra})


def test_a_renamed_variable_still_works_until_the_new_name_is_set():
    old = Settings.from_env({"OUTBOX_POLL_SECONDS": "2"})
    both = Settings.from_env(
        {"OUTBOX_POLL_SECONDS": "2", "NOTIFICATION_POLL_SECONDS": "7"}
    )
    assert (old.notification_poll_seconds, both.notification_poll_seconds) == (2, 7)


def test_the_log_format_is_text_unless_json_is_asked_for():
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"LOG_FORMAT": " JSON "}).log_format == "json"
