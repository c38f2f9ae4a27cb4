"""A logged-in session: opened at login, still valid on each request (not idle too long, the
account unchanged), or named by a trusted reverse proxy."""
import time
from collections.abc import MutableMapping

from flask import current_app, request, session

from ..db import get_db
from ..security import csrf
from ..security.proxy import via_trusted_proxy
from .users import User, find_user

SESSION_USER = "user"
SESSION_EPOCH = "epoch"
SESSION_SEEN = "seen"


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
