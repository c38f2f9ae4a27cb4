"""The gate in front of every route: who is asking, and may their role do this.

The gate is an app-wide ``before_request``, so every route, including ones added later, needs a
logged-in user unless it is listed as public here. Roles are checked per view with ``requires``.
Somebody whose session ended elsewhere is sent to the login page with the page they were on as
``next``, told why it ended and, when they had clicked something, that it was not done.
"""

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import Unauthorized
from werkzeug.wrappers import Response as BaseResponse

from ..activity import log as activity_log
from ..db import get_db
from ..security.origin import is_websocket_handshake
from ..web.errors import render_http_error
from ..web.navigation import local_path_of_url, next_url, safe_local_path
from ..web.responses import is_htmx
from .bearer import accepts_bearer, bearer_user, is_bearer_request, refused, sends_token
from .sessions import LOGGED_OUT, current_user
from .users import forbidden_message

#: Served to anybody, without even looking at the session.
OPEN_ENDPOINTS = frozenset({"static"})
LOGIN_ENDPOINT = "login.login"
#: Served to anybody; a logged-in user is known there (``/healthz`` tells them more).
PUBLIC_ENDPOINTS = frozenset(
    {LOGIN_ENDPOINT, "health.healthz", "metrics.metrics", "api_docs.openapi"}
)
#: Methods that only read: a request of any other one was an action, lost if not logged in.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Why a request that sends an API token to a page (not the API) is refused.
TOKEN_ELSEWHERE = (
    "An API token acts only through the API (/api/v1/) and reads /metrics; the panel's pages,"
    " user management included, need a login."
)
#: Where the panel keeps how to name the host of a request (``name_hosts_with``).
HOST_OF_REQUEST = "host_of_request"

P = ParamSpec("P")
R = TypeVar("R")


def require_login() -> BaseResponse | None:
    """Let the request through with ``g.user`` set, or send the browser to the login page."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    g.session_hash = None
    if is_bearer_request():
        g.user = bearer_user()
        return None
    g.user = current_user()
    if g.user is not None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.routing_exception is not None:
        return None  # unknown URL, wrong method or host: Flask's own error answers it
    if is_websocket_handshake():
        abort(401, description="Log in to the panel before opening its live connection.")
    if accepts_bearer(request.endpoint):
        raise refused("Send an API token (Authorization: Bearer <token>), or log in.")
    if sends_token():
        abort(403, description=TOKEN_ELSEWHERE)
    say_why_the_session_ended()
    login_url = url_for(LOGIN_ENDPOINT, next=page_to_return_to())
    if is_htmx():
        # htmx follows HX-Redirect with a full page load; the status tells scripts what happened.
        refusal = Unauthorized("Your session has ended; please log in again.")
        response = make_response(render_http_error(refusal))
        response.headers["HX-Redirect"] = login_url
        return response
    return redirect(login_url)


def say_why_the_session_ended() -> None:
    """On the login page that comes next: why the session ended, and that what was just asked
    was not done."""
    ending = g.get("session_ended")
    if ending is None:
        return
    session.pop(LOGGED_OUT, None)
    message = ending.sentence
    if request.method not in READING_METHODS:
        again = ": log in, then do it again." if ending.can_log_in_again else "."
        message += f" What you just did was not done{again}"
    elif ending.can_log_in_again:
        message += " Log in to go back to the page you were on."
    flash(message, "warning")


def after_private_response(response: Response) -> Response:
    """Every page stays out of every cache (a shared computer's browser history included):
    what a logged-in user is shown, and the login form with its CSRF token; only static files
    may be kept. A 403 refusal is written to the activity log."""
    user = g.get("user")
    if request.endpoint not in OPEN_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    if response.status_code == 403:
        activity_log.record(
            get_db(),
            user=user.name if user else "(not logged in)",
            action="access",
            outcome="refused",
            detail=f"{request.method} {request.path}"[:200],
            host=request_host(),
        )
    return response


def page_to_return_to() -> str:
    """The page to show after logging in: the page the person was on (for a form without a
    ``next`` field, the page it was sent from, if it is one of the panel's)."""
    if is_htmx():
        return local_path_of_url(request.headers.get("HX-Current-URL", ""))
    if request.method == "POST" and not request.form.get("next"):
        return same_site_referrer()
    return safe_local_path(next_url())


def same_site_referrer() -> str:
    """The path of the page that sent the request, if it is on this site ("/" otherwise)."""
    referrer = request.referrer or ""
    if not referrer.startswith(request.host_url):
        return "/"
    return local_path_of_url(referrer)


def name_hosts_with(app: Flask, host_of_request: Callable[[], str | None]) -> None:
    """How the panel tells which Pieces OS host a request acts on (its pages' host: the live
    core knows), for the roles limited to some hosts."""
    app.extensions[HOST_OF_REQUEST] = host_of_request


def request_host() -> str | None:
    """The name of the host the request acts on; None for a request of no host, or in an app
    that names none."""
    host_of_request = current_app.extensions.get(HOST_OF_REQUEST)
    return host_of_request() if host_of_request else None


def requires(permission: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """View decorator: 403 unless the user's role on the request's host holds ``permission``
    (see users.PERMISSIONS)."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            host = request_host()
            if not g.user.can(permission, host):
                abort(403, description=forbidden_message(g.user, permission, host))
            return view(*args, **kwargs)

        return guarded

    return decorate


def can(permission: str) -> bool:
    """For templates: may the current user do this on the request's host (or, in a live
    fragment, whoever has the role of the page it is rendered for: ``g.audience``)? False when
    nobody is logged in."""
    user = g.get("user")
    if user is not None:
        return bool(user.can(permission, request_host()))
    audience = g.get("audience")
    return audience is not None and audience.can(permission)
