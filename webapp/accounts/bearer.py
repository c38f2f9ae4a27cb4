"""Requests that carry ``Authorization: Bearer <token>`` (accounts/tokens.py): the way scripts
reach the JSON API and /metrics.

Only those endpoints accept a token; on them a bearer request is never read from the session
cookie (so it needs no CSRF token: no browser sends it by itself). A token sent to any other
page is refused (403): a script learns at once that it cannot manage users or change anything
there with it, rather than being sent to the login form. A wrong token counts as a
failed login of its address, as on the login form, and the token itself is never logged.
"""

from flask import current_app, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import TooManyRequests, Unauthorized

from ..activity import log as activity_log
from ..db import get_db
from .throttle import LoginThrottle
from .tokens import account_of_token
from .users import User

#: Endpoints (or blueprints, ending with ".") where a bearer token is taken.
BEARER_ENDPOINTS = ("api.", "metrics.metrics")
#: How failed tokens are counted in the login throttle (a name no account can have).
THROTTLE_NAME = "(API token)"


def accepts_bearer(endpoint: str | None) -> bool:
    return endpoint is not None and endpoint.startswith(BEARER_ENDPOINTS)


def is_bearer_request() -> bool:
    return accepts_bearer(request.endpoint) and "Authorization" in request.headers


def sends_token() -> bool:
    """Does the request carry a bearer token (taken or not)?"""
    scheme, _, _token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer"


def refused(description: str) -> Unauthorized:
    return Unauthorized(description, www_authenticate=WWWAuthenticate("bearer"))


def bearer_user() -> User:
    """The account of the request's token (``g.token`` is the token); 401 if there is none
    that is valid, 429 after too many wrong ones from the address."""
    throttle: LoginThrottle = current_app.extensions["login_throttle"]
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        raise refused("Send the token as: Authorization: Bearer <token>.")
    address = request.remote_addr or ""
    wait = throttle.seconds_to_wait(address, THROTTLE_NAME, known_address=True)
    if wait:
        too_many = TooManyRequests(f"Too many wrong tokens; try again in {wait} s.")
        too_many.retry_after = wait
        raise too_many
    found = account_of_token(get_db(), presented.strip())
    if found is None:
        throttle.failed(address, THROTTLE_NAME)
        activity_log.record(
            get_db(),
            user="(not logged in)",
            action="token",
            outcome="refused",
            detail="A request with an unknown, revoked or expired API token.",
        )
        raise refused("The token is unknown, revoked or expired.")
    user, g.token = found
    return user
