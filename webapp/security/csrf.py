"""A CSRF token on every state-changing request.

Each session holds one random token for as long as it lives. Pages carry it twice: htmx sends it
in the ``X-CSRF-Token`` header (set once on ``<body>`` with ``hx-headers:inherited``), and every
form that works without JavaScript has it in a hidden ``csrf_token`` field. A POST, PUT, PATCH or
DELETE without the right token is refused with 400 before any view runs.
"""

import hmac
import secrets
from collections.abc import MutableMapping

from flask import Flask, abort, g, request, session

HEADER = "X-CSRF-Token"
FIELD = "csrf_token"
SESSION_KEY = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_token() -> str:
    """The session's token, made on first use."""
    return session[SESSION_KEY] if SESSION_KEY in session else new_token(session)


def new_token(store: MutableMapping) -> str:
    """Put a fresh token in a session that was just opened (the old one may have been seen)."""
    store[SESSION_KEY] = secrets.token_urlsafe(32)
    return store[SESSION_KEY]


def check_token() -> None:
    # A request made with an API token (accounts/bearer.py) was not authenticated by a cookie:
    # no other site can make a browser send it.
    if request.method not in UNSAFE_METHODS or g.get("token") is not None:
        return
    expected = session.get(SESSION_KEY)
    # The header wins: forms in fragments pushed over the live socket are rendered once for
    # every viewer, so their hidden field cannot hold each viewer's token; htmx sends the header.
    given = request.headers.get(HEADER) or request.form.get(FIELD, "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        abort(
            400,
            description="The request's security token is missing or out of date, so "
            "nothing was done. Reload the page and try again.",
        )


def init_app(app: Flask) -> None:
    app.before_request(check_token)
    app.jinja_env.globals["csrf_token"] = csrf_token
