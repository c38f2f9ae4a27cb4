"""Who may do what: accounts and roles (``users``; the hosts an operator is limited to:
``scopes``), the login pages and their throttle
(``login``, ``throttle``, and the addresses each account signed in from: ``sign_ins``), sessions
(``sessions``, kept in a cookie that static files leave alone: ``cookie``; why each ended:
``endings``; who is here: ``presence``), the gate in front of
every route (``gate``), the Users page for admins (``views``), each person's own account page
(``account``) and ``pieces-admin users`` (``cli``); API tokens (``tokens``: on the account page,
``token_views``; ``pieces-admin tokens``, ``tokens_cli``), taken by the API's routes (``bearer``).

A request passes ``gate.require_login``, which finds its user in the session; a view then checks
the user's role on the request's host with ``gate.requires``. What a logged-in user is shown is
never cached, and every 403 refusal is written to the activity log
(``gate.after_private_response``)."""

from datetime import timedelta

from flask import Flask, g

from ..config import check_proxy_login
from . import account, login, token_views, views
from .cookie import SessionCookie
from .gate import after_private_response, can, require_login
from .throttle import LoginThrottle


def init_app(app: Flask) -> None:
    check_proxy_login(app.config)  # (settings given to create_app, not the environment's)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=app.config["SESSION_LIFETIME_HOURS"]),
    )
    app.session_interface = SessionCookie()
    app.extensions["login_throttle"] = LoginThrottle()
    app.before_request(require_login)
    app.after_request(after_private_response)
    app.jinja_env.globals["can"] = can
    app.context_processor(lambda: {"current_user": g.get("user")})
    for module in (login, views, account, token_views):
        app.register_blueprint(module.bp)
