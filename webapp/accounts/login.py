"""The login and logout pages, with the throttle that slows down password guessing."""

from flask import (
    Blueprint,
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
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ..activity import log as activity_log
from ..db import get_db
from ..web.navigation import safe_local_path
from .gate import LOGIN_ENDPOINT
from .sessions import announce_sessions_ended, end_session, start_session
from .sign_ins import is_known, remember
from .throttle import LoginThrottle
from .users import authenticate, count_users

bp = Blueprint("login", __name__)
MAX_NAME_LENGTH = 100


def throttle() -> LoginThrottle:
    return current_app.extensions["login_throttle"]


def seconds_to_wait(address: str, name: str) -> int:
    """How long ``address`` waits before a password of ``name`` is checked again (0: not)."""
    return throttle().seconds_to_wait(address, name, is_known(get_db(), name, address))


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The login form; on submit, check the name and password and open a session."""
    target = safe_local_path(request.values.get("next"))
    if g.user is not None:
        return redirect(target, 303)
    if request.method == "GET":
        return login_page(target)

    name = request.form.get("name", "").strip()[:MAX_NAME_LENGTH]
    password = request.form.get("password", "")
    address = request.remote_addr or ""
    wait = seconds_to_wait(address, name)
    if wait:
        response = login_page(target, name, f"Too many failed logins; try again in {wait} s.", 429)
        response.headers["Retry-After"] = str(wait)
        return response
    user = authenticate(get_db(), name, password) if name and password else None
    if user is None:
        throttle().failed(address, name)
        activity_log.record(
            get_db(), user=name, action="login", outcome="failed", detail="Wrong name or password."
        )
        return login_page(target, name, "Wrong name or password.", 401)

    throttle().succeeded(address, name)
    remember(get_db(), user.id, address)
    start_session(get_db(), session, user)
    activity_log.record(get_db(), user=user.name, action="login", outcome="ok")
    return redirect(target, 303)


def login_page(
    target: str, name: str = "", error: str | None = None, status: int = 200
) -> Response:
    html = render_template(
        "accounts/login.html",
        next=target,
        name=name,
        error=error,
        no_accounts=count_users(get_db()) == 0,
    )
    return make_response(html, status)


@bp.post("/logout")
def logout() -> Response:
    """End the session (a POST, so another site cannot log people out)."""
    activity_log.record(get_db(), user=g.user.name, action="logout", outcome="ok")
    end_session(get_db(), session, g.user)
    announce_sessions_ended()
    flash("You are logged out.", "success")
    return redirect(url_for(LOGIN_ENDPOINT), 303)
