"""The JSON API (``/api/v1``): what the pages show and do, for scripts.

A script sends an API token (``Authorization: Bearer``, accounts/bearer.py); a logged-in browser
may use its session cookie instead, with the CSRF token on every change. Every host is named in
the path (``/api/v1/hosts/local/models``), errors are ``application/problem+json``
(web/errors.py), and ``/api/v1/openapi.json`` describes it all (``openapi``).
"""

from flask import Blueprint, Flask

from . import acting, events, openapi, reading

#: Every route of the API starts with this.
PREFIX = "/api/v1"


def init_app(app: Flask) -> None:
    # The routes that need a token are endpoints "api.*" (accounts/bearer.py takes tokens
    # there); the OpenAPI document is served to anybody.
    api = Blueprint("api", __name__, url_prefix=PREFIX)
    for module in (reading, acting, events):
        api.register_blueprint(module.bp)
    app.register_blueprint(api)
    app.register_blueprint(openapi.bp, url_prefix=PREFIX)
