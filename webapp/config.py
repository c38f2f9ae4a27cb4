"""Settings read from environment variables, each with a safe default.

Every variable is documented in README.md; keep that table in step with ``SETTINGS``.
"""

import ipaddress
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PACKAGE_FOLDER = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_FOLDER.parent
#: Run from a checkout (or an editable install of it), rather than installed from a wheel.
FROM_CHECKOUT = (PROJECT_ROOT / "pyproject.toml").is_file()
#: The templates and static files: at the top of a checkout, inside the package in a wheel.
RESOURCE_FOLDER = PROJECT_ROOT if FROM_CHECKOUT else PACKAGE_FOLDER
#: Where the secret key and the database live unless configured otherwise: the checkout's
#: ``instance`` folder; installed, the environment's ``var`` folder (as Flask's default does).
INSTANCE_FOLDER = (
    PROJECT_ROOT / "instance" if FROM_CHECKOUT else Path(sys.prefix) / "var" / "pieces-model-panel"
)

HOSTNAME_PATTERN = re.compile(r"\.?[A-Za-z0-9][A-Za-z0-9.-]{0,252}")
#: A Pieces OS host's name (fleet): safe as a path segment and as a metric's label value.
HOST_NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
HOST_NAME_RULE = "use 1 to 32 lower-case letters, digits and '-', starting with a letter or digit"
HEADER_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")
MIN_SECRET_LENGTH = 16


class ConfigError(ValueError):
    """An environment variable holds a value the panel cannot use."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    parse: Callable[[str], Any]
    help: str


def parse_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http:// or https:// address, e.g. http://127.0.0.1:39300")
    if parts.query or parts.fragment:
        raise ValueError("the address must not contain a query or fragment")
    return value.strip().rstrip("/")


def seconds_up_to(limit: int) -> Callable[[str], float]:
    """A parser of a number of seconds above 0 and at most ``limit``."""

    def parse(value: str) -> float:
        seconds = float(value)
        if not 0 < seconds <= limit:
            raise ValueError(f"expected a number of seconds between 0 and {limit}")
        return seconds

    return parse


parse_seconds = seconds_up_to(600)
parse_long_seconds = seconds_up_to(3600)


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


def parse_path(value: str) -> str:
    path = value.strip()
    if not path or "\x00" in path:
        raise ValueError("expected a file path, e.g. /var/lib/panel/panel.sqlite")
    return os.path.abspath(os.path.expanduser(path))


def parse_version_setting(value: str) -> str:
    version = value.strip()
    if not re.fullmatch(r"\d{1,6}\.\d{1,6}\.\d{1,6}", version):
        raise ValueError("expected a version like 12.0.0")
    return version


def parse_minutes(value: str) -> int:
    minutes = int(value)
    if not 0 < minutes <= 525_600:
        raise ValueError("expected a whole number of minutes between 1 and 525600 (a year)")
    return minutes


def parse_count(low: int, high: int) -> Callable[[str], int]:
    """A parser of whole numbers from ``low`` to ``high``."""

    def parse(value: str) -> int:
        number = int(value)
        if not low <= number <= high:
            raise ValueError(f"expected a whole number from {low} to {high}")
        return number

    return parse


def parse_secret(value: str) -> str:
    secret = value.strip()
    if len(secret) < MIN_SECRET_LENGTH or any(
        not char.isprintable() or char.isspace() for char in secret
    ):
        raise ValueError(
            f"expected at least {MIN_SECRET_LENGTH} printable characters without "
            "spaces, e.g. the output of `openssl rand -hex 32`"
        )
    return secret


def _comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_hostnames(value: str) -> list[str]:
    """Host names for Flask's TRUSTED_HOSTS; a leading dot also allows every subdomain."""
    names = _comma_list(value)
    for name in names:
        if not HOSTNAME_PATTERN.fullmatch(name):
            raise ValueError(f"{name[:60]!r} is not a host name, e.g. panel.lan or .example.org")
    if not names:
        raise ValueError("expected comma-separated host names, e.g. panel.lan,192.168.1.20")
    return names


def parse_origins(value: str) -> list[str]:
    """Web origins (scheme://host[:port]), lower-cased, without a trailing slash."""
    origins = []
    for item in _comma_list(value):
        parts = urlsplit(item.lower().rstrip("/"))
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path
            or parts.query
            or parts.fragment
            or parts.username
            or parts.password
        ):
            raise ValueError(f"{item[:60]!r} is not an origin, e.g. http://panel.lan:8000")
        origins.append(f"{parts.scheme}://{parts.netloc}")
    if not origins:
        raise ValueError("expected comma-separated origins, e.g. http://panel.lan:8000")
    return origins


def parse_addresses(value: str) -> frozenset[str]:
    """IP addresses, each in its canonical spelling (so ::1 and 0:0::1 are the same)."""
    try:
        addresses = frozenset(str(ipaddress.ip_address(item)) for item in _comma_list(value))
    except ValueError as error:
        raise ValueError(f"expected comma-separated IP addresses: {error}") from None
    if not addresses:
        raise ValueError("expected comma-separated IP addresses, e.g. 127.0.0.1")
    return addresses


def parse_networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """IP addresses or networks (``192.168.1.0/24``); an address is a network of one."""
    try:
        networks = tuple(ipaddress.ip_network(item, strict=False) for item in _comma_list(value))
    except ValueError as error:
        raise ValueError(f"expected comma-separated IP addresses or networks: {error}") from None
    if not networks:
        raise ValueError("expected comma-separated IP addresses or networks, e.g. 127.0.0.1")
    return networks


def parse_hosts(value: str) -> tuple[tuple[str, str], ...]:
    """``name=url,name=url``: the Pieces OS hosts to manage, in order."""
    hosts: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        name, equals, url = item.partition("=")
        if not equals:
            raise ValueError(f"expected name=url, got {item[:60]!r}")
        name = name.strip()
        if not HOST_NAME_PATTERN.fullmatch(name):
            raise ValueError(f"{name[:40]!r} is not a host name: {HOST_NAME_RULE}")
        if name in hosts:
            raise ValueError(f"the host {name!r} is named twice")
        hosts[name] = parse_url(url)
    if not hosts:
        raise ValueError("expected at least one name=url")
    return tuple(hosts.items())


def parse_header_name(value: str) -> str:
    name = value.strip()
    if not HEADER_NAME_PATTERN.fullmatch(name):
        raise ValueError("expected an HTTP header name, e.g. X-Forwarded-User")
    return name


SETTINGS = (
    Setting(
        "HOST",
        "127.0.0.1",
        parse_host,
        "address the panel listens on (0.0.0.0 opens it to the LAN)",
    ),
    Setting("PORT", "8000", parse_port, "port the panel listens on"),
    Setting(
        "PIECES_OS_URL",
        None,
        parse_url,
        "Pieces OS address; unset = discover it on 127.0.0.1 like the official clients do",
    ),
    Setting(
        "PIECES_OS_HOSTS",
        None,
        parse_hosts,
        "several Pieces OS hosts, `name=url,name=url` (names: a-z, 0-9 and -, up to 32); "
        "added to the Hosts page's at start; unset = one host named `local` "
        "(PIECES_OS_URL or discovery)",
    ),
    Setting(
        "SIMULATED_HOSTS",
        "0",
        parse_count(0, 10),
        "`make run` only: start this many simulated hosts (of different memory and versions) "
        "instead of looking for Pieces OS",
    ),
    Setting(
        "PIECES_OS_CONNECT_TIMEOUT",
        "2",
        parse_seconds,
        "seconds to wait for a connection to Pieces OS",
    ),
    Setting(
        "PIECES_OS_READ_TIMEOUT",
        "10",
        parse_seconds,
        "seconds to wait for Pieces OS to answer a request",
    ),
    Setting(
        "PIECES_OS_LOAD_TIMEOUT",
        "300",
        parse_long_seconds,
        "seconds to wait for Pieces OS to load a model into memory (large ones take "
        "minutes); past it the load is shown as pending until Pieces OS settles it",
    ),
    Setting(
        "PIECES_OS_PORT_FILE",
        None,
        parse_path,
        "the file in which Pieces OS writes its port, read first when looking for it; "
        "unset = com.pieces.os/production/Config/.port.txt under ~/Documents "
        "(~/Library on macOS)",
    ),
    Setting(
        "PIECES_OS_MIN_VERSION",
        "12.0.0",
        parse_version_setting,
        "the oldest Pieces OS version the panel supports; older ones get a warning",
    ),
    Setting(
        "PIECES_OS_BELOW_VERSION",
        "13.0.0",
        parse_version_setting,
        "versions of Pieces OS from this one on get a warning (not yet supported)",
    ),
    Setting(
        "SECRET_KEY",
        None,
        str,
        "key that signs session cookies; unset = generated once into instance/secret_key",
    ),
    Setting(
        "DATABASE",
        None,
        parse_path,
        "SQLite file of accounts and the activity log; unset = instance/panel.sqlite",
    ),
    Setting(
        "SESSION_IDLE_MINUTES",
        "480",
        parse_minutes,
        "a login ends after this many minutes without a request",
    ),
    Setting(
        "SESSION_LIFETIME_HOURS",
        "72",
        parse_count(1, 8760),
        "a login ends this many hours after it began, however busy",
    ),
    Setting(
        "SESSION_COOKIE_SECURE",
        "0",
        parse_flag,
        "set to 1 when the panel is served over HTTPS: the browser then sends the session "
        "cookie over HTTPS only, and is told to use HTTPS only (HSTS)",
    ),
    Setting(
        "MAX_REQUEST_KB",
        "100",
        parse_count(1, 102_400),
        "a request body larger than this many kilobytes is refused (413)",
    ),
    Setting(
        "REQUEST_BODY_SECONDS",
        "10",
        seconds_up_to(600),
        "a request body must arrive whole within this many seconds (408)",
    ),
    Setting(
        "REQUESTS_PER_CLIENT",
        "8",
        parse_count(1, 1000),
        "requests of one account (or, not logged in, of one address) served at once; "
        "more wait their turn, up to 30 s (then 503)",
    ),
    Setting(
        "LIVE_SOCKETS_PER_ACCOUNT",
        "20",
        parse_count(1, 10_000),
        "live sockets (open pages) one account may hold at once",
    ),
    Setting(
        "LIVE_SOCKETS_TOTAL",
        "4000",
        parse_count(1, 100_000),
        "live sockets (open pages) the panel holds at once; lowered by itself to what "
        "the process's open-file limit allows",
    ),
    Setting(
        "TRUSTED_HOSTS",
        None,
        parse_hostnames,
        "comma-separated host names the panel answers to, against DNS rebinding; "
        "unset = the names of HOST (loopback names on loopback)",
    ),
    Setting(
        "ALLOWED_ORIGINS",
        None,
        parse_origins,
        "comma-separated origins whose pages may open the live socket; "
        "unset = the panel's own origin",
    ),
    Setting(
        "TRUSTED_PROXIES",
        None,
        parse_addresses,
        "comma-separated addresses of reverse proxies whose X-Forwarded-For, -Proto and "
        "-Host headers are believed; unset = none",
    ),
    Setting(
        "METRICS_ALLOWED",
        "127.0.0.1,::1",
        parse_networks,
        "comma-separated addresses or networks (192.168.1.0/24) that may read /metrics "
        "without a token",
    ),
    Setting(
        "TRUSTED_PROXY_USER_HEADER",
        None,
        parse_header_name,
        "header in which a trusted proxy names the logged-in user, e.g. X-Forwarded-User; "
        "unset = log in with the panel's own form",
    ),
    Setting(
        "TRUSTED_PROXY_SECRET",
        None,
        parse_secret,
        "secret the proxy sends in X-Panel-Proxy-Secret; the user header is believed only with it",
    ),
    Setting(
        "LIVE_REFRESH_SECONDS",
        "5",
        parse_seconds,
        "while a page is open, how often the panel polls Pieces OS for changes",
    ),
    Setting(
        "LIVE_FALLBACK_REFRESH_SECONDS",
        "60",
        parse_seconds,
        "how often the panel polls Pieces OS while Pieces OS pushes which models change "
        "(its identifiers stream is connected)",
    ),
    Setting(
        "DOWNLOAD_STALL_SECONDS",
        "15",
        parse_seconds,
        "a download with no progress for this long is shown as stalled",
    ),
    Setting(
        "DOWNLOAD_CANCEL_SECONDS",
        "15",
        parse_seconds,
        "a download still running this long after a cancel is shown, and logged, as not "
        "stopped by Pieces OS",
    ),
    Setting(
        "LIVE_PING_SECONDS",
        "25",
        parse_seconds,
        "a vanished browser's live socket is closed within this time",
    ),
    Setting(
        "LIVE_HEARTBEAT_SECONDS",
        "5",
        parse_seconds,
        "how often an idle live socket tells the page it is still connected",
    ),
    Setting(
        "PIECES_OS_SIMULATED",
        "0",
        parse_flag,
        "set by `make run` when it started the built-in simulator (shown as a banner)",
    ),
)


def check_proxy_login(settings: Mapping[str, Any]) -> None:
    """A proxy may name the logged-in user only along with its secret: ConfigError otherwise."""
    if settings["TRUSTED_PROXY_USER_HEADER"] and not settings["TRUSTED_PROXY_SECRET"]:
        raise ConfigError(
            "TRUSTED_PROXY_USER_HEADER is set but TRUSTED_PROXY_SECRET is not: "
            "without it any local process could name itself admin "
            "(see docs/deploy.md)"
        )


def settings_from_env(environ: Mapping[str, str] = os.environ) -> dict:
    """Parse every setting; a bad value (or a pair that cannot go together) raises
    ConfigError naming the variable, before any server starts."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name) or setting.default
        if raw is None:
            values[setting.name] = None
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as error:
            raise ConfigError(f"{setting.name}={raw!r}: {error}") from None
    check_proxy_login(values)
    return values
