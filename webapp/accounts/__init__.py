"""Who may do what: accounts and roles (``users``), the login pages and their throttle
(``login``, ``throttle``), sessions (``sessions``), the gate in front of every route (``gate``),
the Users page for admins (``views``) and ``pieces-admin users`` (``cli``).

A request passes ``gate.require_login``, which finds its user in the session; a view then checks
the user's role with ``gate.requires``."""
from datetime import timedelta

from flask import Flask, g

from . import login, views
from .gate import can, require_login
from .throttle import LoginThrottle


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
    for module in (login, views):
        app.register_blueprint(module.bp)
