"""Settings read from environment variables, each with a safe default.

Every variable is documented in README.md; keep that table in step with ``SETTINGS``.
"""
import os
from dataclasses import dataclass
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """An environment variable holds a value the panel cannot use."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    parse: object  # callable(str) -> value
    help: str


def parse_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http:// or https:// address, e.g. http://127.0.0.1:39300")
    if parts.query or parts.fragment:
        raise ValueError("the address must not contain a query or fragment")
    return value.strip().rstrip("/")


def parse_seconds(value: str) -> float:
    seconds = float(value)
    if not 0 < seconds <= 600:
        raise ValueError("expected a number of seconds between 0 and 600")
    return seconds


def parse_port(value: str) -> int:
    port = int(value)
    if not 0 < port < 65536:
        raise ValueError("expected a port number between 1 and 65535")
    return port


def parse_host(value: str) -> str:
    host = value.strip()
    if not host or any(char.isspace() or char in "/:@" for char in host.strip("[]")):
        raise ValueError("expected an address to listen on, e.g. 127.0.0.1 or 0.0.0.0")
    return host


def parse_flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("", "0", "false", "no", "off"):
        return False
    raise ValueError("expected 1/0, true/false, yes/no or on/off")


SETTINGS = (
    Setting("HOST", "127.0.0.1", parse_host,
            "address the panel listens on (0.0.0.0 opens it to the LAN)"),
    Setting("PORT", "8000", parse_port, "port the panel listens on"),
    Setting("PIECES_OS_URL", None, parse_url,
            "Pieces OS address; unset = discover it on 127.0.0.1 like the official clients do"),
    Setting("PIECES_OS_CONNECT_TIMEOUT", "2", parse_seconds,
            "seconds to wait for a connection to Pieces OS"),
    Setting("PIECES_OS_READ_TIMEOUT", "10", parse_seconds,
            "seconds to wait for Pieces OS to answer a request"),
    Setting("SECRET_KEY", None, str,
            "key that signs session cookies; unset = generated once into instance/secret_key"),
    Setting("PIECES_OS_SIMULATED", "0", parse_flag,
            "set by `make run` when it started the built-in simulator (shown as a banner)"),
)


def settings_from_env(environ=os.environ) -> dict:
    """Parse every setting; a bad value raises ConfigError naming the variable."""
    values = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name) or setting.default
        if raw is None:
            values[setting.name] = None
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as error:
            raise ConfigError(f"{setting.name}={raw!r}: {error}") from None
    return values
