"""Settings from environment variables: defaults, parsing, and clear errors."""

from pathlib import Path

import pytest

from webapp.config import SETTINGS, ConfigError, settings_from_env


def test_defaults():
    settings = settings_from_env({})
    assert settings["PIECES_OS_URL"] is None
    assert settings["HOST"] == "127.0.0.1" and settings["PORT"] == 8000
    assert settings["PIECES_OS_CONNECT_TIMEOUT"] == 2.0
    assert settings["PIECES_OS_READ_TIMEOUT"] == 10.0
    assert settings["PIECES_OS_SIMULATED"] is False


def test_values_are_parsed():
    settings = settings_from_env(
        {
            "PIECES_OS_URL": " http://127.0.0.1:39301/ ",
            "PORT": "9000",
            "HOST": "0.0.0.0",
            "PIECES_OS_READ_TIMEOUT": "2.5",
            "PIECES_OS_SIMULATED": "yes",
        }
    )
    assert settings["PIECES_OS_URL"] == "http://127.0.0.1:39301"
    assert settings["PORT"] == 9000 and settings["HOST"] == "0.0.0.0"
    assert settings["PIECES_OS_READ_TIMEOUT"] == 2.5 and settings["PIECES_OS_SIMULATED"] is True


@pytest.mark.parametrize(
    "name, value",
    [
        ("PIECES_OS_URL", "ftp://example"),
        ("PIECES_OS_URL", "127.0.0.1:39300"),
        ("PIECES_OS_URL", "http://127.0.0.1:1000/?x=1"),
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("PIECES_OS_READ_TIMEOUT", "-1"),
        ("PIECES_OS_CONNECT_TIMEOUT", "soon"),
        ("PIECES_OS_SIMULATED", "maybe"),
        ("HOST", "bad host"),
    ],
)
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        settings_from_env({name: value})


def test_every_setting_is_documented_in_the_readme():
    text = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.name}`" in text, setting.name
