"""TRUSTED_HOSTS, Flask's own setting, refuses requests for any other host name (against DNS
rebinding: a hostile site whose name resolves to the panel's address).

Flask rejects such a request before it can build URLs, so the usual error page, full of links,
cannot be drawn; the refusal is plain text instead.
"""
from flask import Flask, Response
from werkzeug.exceptions import SecurityError


def refuse_untrusted_host(error: SecurityError) -> Response:
    return Response(f"{error.code} {error.name}: {error.description} Set TRUSTED_HOSTS to allow "
                    "it.", error.code, mimetype="text/plain")


def init_app(app: Flask) -> None:
    app.register_error_handler(SecurityError, refuse_untrusted_host)
