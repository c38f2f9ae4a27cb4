"""Who is asking: the login and logout pages, sessions, and the gate in front of every route.

The gate is an app-wide ``before_request``, so every route, including ones added later, needs a
logged-in user unless it is listed as public here. Roles are checked per view with ``requires``.
"""
import time
from collections.abc import MutableMapping
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import Unauthorized

from . import activity, csrf
from .db import get_db
from .proxy import via_trusted_proxy
from .ratelimit import LoginThrottle
from .rendering import is_htmx, next_url, render_http_error, safe_local_path
from .socket_guard import is_websocket_handshake
from .users import User, authenticate, count_users, find_user, forbidden_message

bp = Blueprint("auth", __name__)

#: Served to anybody, without even looking at the session.
OPEN_ENDPOINTS = frozenset({"static", "pages.healthz"})
LOGIN_ENDPOINT = "auth.login"
SESSION_USER = "user"
SESSION_EPOCH = "epoch"
SESSION_SEEN = "seen"
MAX_NAME_LENGTH = 100


# -- sessions --------------------------------------------------------------------------------

def start_session(store: MutableMapping, user: User) -> None:
    """Make ``store`` (the session) a fresh logged-in session of ``user``, with a new token."""
    store.clear()
    store.permanent = True
    store[SESSION_USER] = user.name
    store[SESSION_EPOCH] = user.session_epoch
    store[SESSION_SEEN] = int(time.time())
    csrf.new_token(store)


def session_user() -> User | None:
    """The session's user, if the session is still valid: not idle for longer than
    SESSION_IDLE_MINUTES, and the account neither removed nor given a new password since."""
    name = session.get(SESSION_USER)
    if name is None:
        return None
    now = int(time.time())
    idle_limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
    user = find_user(get_db(), name)
    if (user is None or user.session_epoch != session.get(SESSION_EPOCH)
            or now - session.get(SESSION_SEEN, 0) > idle_limit):
        session.clear()
        return None
    session[SESSION_SEEN] = now
    return user


def proxy_user() -> User | None:
    """The user a trusted reverse proxy names in TRUSTED_PROXY_USER_HEADER, if configured."""
    header = current_app.config["TRUSTED_PROXY_USER_HEADER"]
    if not header or not via_trusted_proxy():
        return None
    name = request.headers.get(header, "").strip()
    return find_user(get_db(), name) if name else None


# -- the gate --------------------------------------------------------------------------------

def require_login():
    """Let the request through with ``g.user`` set, or send the browser to the login page."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    g.user = proxy_user() or session_user()
    if g.user is not None or request.endpoint == LOGIN_ENDPOINT:
        return None
    if request.routing_exception is not None:
        return None  # unknown URL, wrong method or host: Flask's own error answers it
    if is_websocket_handshake():
        abort(401, description="Log in to the panel before opening its live connection.")
    login_url = url_for(LOGIN_ENDPOINT, next=page_to_return_to())
    if is_htmx():
        # htmx follows HX-Redirect with a full page load; the status tells scripts what happened.
        refusal = Unauthorized("Your session has ended; please log in again.")
        response = make_response(*render_http_error(refusal))
        response.headers["HX-Redirect"] = login_url
        return response
    return redirect(login_url)


def page_to_return_to() -> str:
    """The page to show after logging in: the page the person was on."""
    if is_htmx():
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        return safe_local_path(page.path + (f"?{page.query}" if page.query else ""))
    return safe_local_path(next_url())


def requires(permission: str):
    """View decorator: 403 unless the user's role holds ``permission`` (see users.PERMISSIONS)."""
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not g.user.can(permission):
                abort(403, description=forbidden_message(g.user, permission))
            return view(*args, **kwargs)
        return guarded
    return decorate


def can(permission: str) -> bool:
    """For templates: may the current user do this? False when nobody is logged in."""
    user = g.get("user")
    return user is not None and user.can(permission)


# -- the pages -------------------------------------------------------------------------------

def throttle() -> LoginThrottle:
    return current_app.extensions["login_throttle"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; on submit, check the name and password and open a session."""
    target = safe_local_path(request.values.get("next"))
    if g.user is not None:
        return redirect(target, 303)
    if request.method == "GET":
        return login_page(target)

    name = request.form.get("name", "").strip()[:MAX_NAME_LENGTH]
    password = request.form.get("password", "")
    name_key = f"name:{name.casefold()}"
    keys = [f"address:{request.remote_addr}", name_key]
    wait = throttle().seconds_blocked(keys)
    if wait:
        response = login_page(target, name, f"Too many failed logins; try again in {wait} s.",
                              429)
        response.headers["Retry-After"] = str(wait)
        return response
    user = authenticate(get_db(), name, password) if name and password else None
    if user is None:
        throttle().failed(keys)
        activity.record(get_db(), user=name, action="login", outcome="failed",
                        detail="Wrong name or password.")
        return login_page(target, name, "Wrong name or password.", 401)

    throttle().succeeded([name_key])  # the address keeps its count: it may be guessing others
    start_session(session, user)
    activity.record(get_db(), user=user.name, action="login", outcome="ok")
    return redirect(target, 303)


def login_page(target: str, name: str = "", error: str | None = None, status: int = 200):
    html = render_template("login.html", next=target, name=name, error=error,
                           no_accounts=count_users(get_db()) == 0)
    return make_response(html, status)


@bp.post("/logout")
def logout():
    """End the session (a POST, so another site cannot log people out)."""
    activity.record(get_db(), user=g.user.name, action="logout", outcome="ok")
    session.clear()
    flash("You are logged out.", "success")
    return redirect(url_for(LOGIN_ENDPOINT), 303)


def init_app(app: Flask) -> None:
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=app.config["SESSION_IDLE_MINUTES"]),
    )
    app.extensions["login_throttle"] = LoginThrottle()
    app.before_request(require_login)
    app.jinja_env.globals["can"] = can
    app.context_processor(lambda: {"current_user": g.get("user")})
    app.register_blueprint(bp)
