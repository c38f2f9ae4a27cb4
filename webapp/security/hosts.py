"""TRUSTED_HOSTS, Flask's own setting, refuses requests for any other host name (against DNS
rebinding: a hostile site whose name resolves to the panel's address).

Unset, it is made from HOST, the address the panel listens on: on loopback the loopback names, on
one address that address. Listening on every address (0.0.0.0) with no names given is refused at
start: the names people use on the LAN cannot be guessed, and accepting any would let every web
page a teammate opens reach the panel.

Flask rejects such a request before it can build URLs, so the usual error page, full of links,
cannot be drawn; the refusal is plain text instead.
"""

import ipaddress

from flask import Flask, Response
from werkzeug.exceptions import SecurityError

from ..config import ConfigError

LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def refuse_untrusted_host(error: SecurityError) -> Response:
    return Response(
        f"{error.code} {error.name}: {error.description} Set TRUSTED_HOSTS to allow it.",
        error.code,
        mimetype="text/plain",
    )


def trusted_hosts(settings: dict) -> list[str]:
    """TRUSTED_HOSTS, or the names of the address the panel listens on (HOST)."""
    if settings["TRUSTED_HOSTS"]:
        return settings["TRUSTED_HOSTS"]
    host = settings["HOST"]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return [host.lower()]  # a name, e.g. panel.lan
    if address.is_unspecified:
        raise ConfigError(
            f"HOST={host} opens the panel to every network, so TRUSTED_HOSTS must "
            "name the host names and addresses people will use, e.g. "
            "TRUSTED_HOSTS=panel.lan,192.168.1.20 (see README.md)"
        )
    return list(LOOPBACK_NAMES) if address.is_loopback else [str(address)]


def init_app(app: Flask) -> None:
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    app.register_error_handler(SecurityError, refuse_untrusted_host)
