"""Running behind a reverse proxy: believe its X-Forwarded-* headers, but only its own.

A request whose direct peer is in TRUSTED_PROXIES gets the client address, scheme and host that the
proxy forwarded (so rate limits see the real client, and the panel's own origin is the one the
browser used); every other request is taken as it arrived, whatever headers it carries.
"""

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: Set in the WSGI environ of requests that came through a trusted proxy.
VIA_TRUSTED_PROXY = "panel.via_trusted_proxy"


class TrustedProxies:
    """WSGI middleware: ProxyFix (one proxy hop) for requests from ``addresses`` only."""

    def __init__(self, wsgi_app: "WSGIApplication", addresses: frozenset[str]):
        self.direct = wsgi_app
        self.forwarded = ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=1)
        self.addresses = addresses

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        if _canonical(environ.get("REMOTE_ADDR", "")) in self.addresses:
            environ[VIA_TRUSTED_PROXY] = True
            return self.forwarded(environ, start_response)
        return self.direct(environ, start_response)


def via_trusted_proxy() -> bool:
    return request.environ.get(VIA_TRUSTED_PROXY, False)


def _canonical(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address


def init_app(app: Flask) -> None:
    if app.config["TRUSTED_PROXIES"]:
        # Flask's documented way to add a WSGI middleware, which mypy calls assigning a method.
        app.wsgi_app = TrustedProxies(  # type: ignore[method-assign]
            app.wsgi_app, app.config["TRUSTED_PROXIES"]
        )
