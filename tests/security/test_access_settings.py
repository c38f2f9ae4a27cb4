"""The settings behind accounts and access: parsed from the environment, or a clear error."""

import pytest

from webapp.config import ConfigError, settings_from_env


def test_defaults():
    settings = settings_from_env({})
    assert settings["SESSION_IDLE_MINUTES"] == 480
    assert settings["SESSION_COOKIE_SECURE"] is False
    for name in (
        "DATABASE",
        "TRUSTED_HOSTS",
        "ALLOWED_ORIGINS",
        "TRUSTED_PROXIES",
        "TRUSTED_PROXY_USER_HEADER",
    ):
        assert settings[name] is None, name


def test_values_are_parsed():
    settings = settings_from_env(
        {
            "DATABASE": "/var/lib/panel/panel.sqlite",
            "SESSION_IDLE_MINUTES": "60",
            "SESSION_COOKIE_SECURE": "yes",
            "TRUSTED_HOSTS": "panel.lan, .team.example",
            "ALLOWED_ORIGINS": "https://Panel.LAN/, http://192.168.1.20:8000",
            "TRUSTED_PROXIES": "127.0.0.1, 0:0::1",
            "TRUSTED_PROXY_USER_HEADER": "X-Forwarded-User",
            "TRUSTED_PROXY_SECRET": "a-secret-the-proxy-sends",
        }
    )
    assert settings["DATABASE"] == "/var/lib/panel/panel.sqlite"
    assert settings["SESSION_IDLE_MINUTES"] == 60 and settings["SESSION_COOKIE_SECURE"] is True
    assert settings["TRUSTED_HOSTS"] == ["panel.lan", ".team.example"]
    assert settings["ALLOWED_ORIGINS"] == ["https://panel.lan", "http://192.168.1.20:8000"]
    assert settings["TRUSTED_PROXIES"] == {"127.0.0.1", "::1"}
    assert settings["TRUSTED_PROXY_USER_HEADER"] == "X-Forwarded-User"


@pytest.mark.parametrize(
    "name, value",
    [
        ("SESSION_IDLE_MINUTES", "0"),
        ("SESSION_IDLE_MINUTES", "ten"),
        ("SESSION_COOKIE_SECURE", "sometimes"),
        ("TRUSTED_HOSTS", "evil host"),
        ("TRUSTED_HOSTS", "panel.lan:8000"),
        ("TRUSTED_HOSTS", ","),
        ("ALLOWED_ORIGINS", "panel.lan"),
        ("ALLOWED_ORIGINS", "http://panel.lan/path"),
        ("ALLOWED_ORIGINS", "ftp://panel.lan"),
        ("TRUSTED_PROXIES", "proxy.lan"),
        ("TRUSTED_PROXIES", "10.0.0.0/8"),
        ("TRUSTED_PROXY_USER_HEADER", "X User"),
        ("TRUSTED_PROXY_USER_HEADER", "X-User:"),
    ],
)
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        settings_from_env({name: value})
