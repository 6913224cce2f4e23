import pytest

from bot.settings import PROJECT_ROOT, Settings, SettingsError


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
    ],
)
def test_bad_values_are_named(name, value, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({name: value})
