"""Logged-in sessions, kept in the database (table ``sessions``).

The signed cookie holds only a random session id; the database keeps its SHA-256, the account it
belongs to, when it began and when it was last used. A session is valid while its row exists, it
has been used within SESSION_IDLE_MINUTES and began less than SESSION_LIFETIME_HOURS ago. Logging
out deletes the row, so a copy of the cookie ends with it; a new password, a new role or removing
the account delete all the account's rows, and an admin may end one (``presence``); each keeps
why (``endings``), and a request that comes back with an ended session is told why
(``g.session_ended``). Whoever keeps something that lives as long as a session (the live sockets)
registers with ``on_sessions_ended`` to hear when the panel ended some.

A trusted reverse proxy may name the user instead (TRUSTED_PROXY_USER_HEADER), if it also proves
that it set the header itself by sending TRUSTED_PROXY_SECRET; such a request opens a session of
its own, logged like any login.
"""

import hashlib
import hmac
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

from flask import Flask, current_app, g, has_request_context, request, session
from flask.sessions import SessionMixin

from ..activity import log as activity_log
from ..db import get_db
from ..security import csrf
from ..security.proxy import via_trusted_proxy
from .endings import LOGOUT, Ending, end_sessions, forget_old_endings, why_ended
from .scopes import HOSTS_COLUMN, hosts_of, role_on_host
from .users import USER_COLUMNS, User, find_user

SESSION_ID = "sid"
PROXY_SECRET_HEADER = "X-Panel-Proxy-Secret"
LISTENERS = "sessions_ended_listeners"
# The last-seen time is written at most this often (a write per request would serialise them).
SEEN_WRITE_SECONDS = 60
#: Left in the cookie by a logout: the browser's other tabs are told why their session ended.
LOGGED_OUT = "logged_out"
#: How much of the browser's User-Agent a session keeps (the Users page shows it).
MAX_BROWSER_LENGTH = 200


def hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(db: sqlite3.Connection, store: SessionMixin, user: User) -> str:
    """Make ``store`` (the cookie's session) a new session of ``user`` and return its hash.
    Whatever ``store`` held is dropped first, so nothing set before the login (a planted id or
    CSRF token) outlives it."""
    store.clear()
    store.permanent = True
    session_id = secrets.token_urlsafe(32)
    now = time.time()
    idle, lifetime = session_limits(current_app.config)
    # Sessions of people who never logged out would otherwise stay forever.
    db.execute(
        "DELETE FROM sessions WHERE seen_at <= ? OR created_at <= ?", (now - idle, now - lifetime)
    )
    forget_old_endings(db, lifetime)
    address, browser = "", ""
    if has_request_context():
        address = request.remote_addr or ""
        browser = request.user_agent.string[:MAX_BROWSER_LENGTH]
    db.execute(
        "INSERT INTO sessions (id_hash, user_id, created_at, seen_at, address, browser)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (hash_id(session_id), user.id, now, now, address, browser),
    )
    db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", (now, user.id))
    store[SESSION_ID] = session_id
    csrf.new_token(store)
    return hash_id(session_id)


def end_session(db: sqlite3.Connection, store: MutableMapping, user: User) -> None:
    """Log ``user`` out: the session's row goes, so no copy of the cookie works any more; the
    browser's other tabs, which share the cookie, will be told that they logged out."""
    session_id = store.get(SESSION_ID)
    if isinstance(session_id, str):
        end_sessions(
            db, reason=LOGOUT, actor=user.name, user_id=user.id, id_hash=hash_id(session_id)
        )
    store.clear()
    store[LOGGED_OUT] = True


def session_limits(config: Mapping[str, Any]) -> tuple[float, float]:
    """(idle, lifetime) in seconds."""
    return config["SESSION_IDLE_MINUTES"] * 60.0, config["SESSION_LIFETIME_HOURS"] * 3600.0


def session_user() -> User | None:
    """The user of the request's session if it is still valid (sets ``g.session_hash``);
    an ended session is dropped from the cookie, and why it ended is in ``g.session_ended``."""
    session_id = session.get(SESSION_ID)
    if not isinstance(session_id, str):
        if session.get(LOGGED_OUT):  # (the gate drops the mark once it said so)
            g.session_ended = Ending("you logged out, in this tab or another one of this browser")
        return None
    db, id_hash, now = get_db(), hash_id(session_id), time.time()
    idle, lifetime = session_limits(current_app.config)
    row = db.execute(
        f"SELECT {USER_COLUMNS}, sessions.created_at AS began, seen_at FROM sessions"
        " JOIN users ON users.id = sessions.user_id WHERE id_hash = ?",
        (id_hash,),
    ).fetchone()
    if row is None or now - row["seen_at"] > idle or now - row["began"] > lifetime:
        g.session_ended = why_ended(db, id_hash, (idle, lifetime))
        db.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))
        session.clear()
        return None
    if now - row["seen_at"] >= min(SEEN_WRITE_SECONDS, idle / 10):
        db.execute("UPDATE sessions SET seen_at = ? WHERE id_hash = ?", (now, id_hash))
    g.session_hash = id_hash
    return User.from_row(row)


def account_of_session(db: sqlite3.Connection, session_id: str) -> int | None:
    """The id of the account a session id belongs to, valid or not (the gate decides that)."""
    row = db.execute(
        "SELECT user_id FROM sessions WHERE id_hash = ?", (hash_id(session_id),)
    ).fetchone()
    return row["user_id"] if row else None


def valid_sessions(
    db: sqlite3.Connection,
    id_hashes: Iterable[str],
    config: Mapping[str, Any],
    host: str | None = None,
) -> dict[str, str]:
    """Of these sessions, those still valid, each with its user's role now (on ``host``: an
    operator may be a viewer on some hosts)."""
    id_hashes = list(id_hashes)
    if not id_hashes:
        return {}
    idle, lifetime = session_limits(config)
    now = time.time()
    rows = db.execute(
        f"SELECT id_hash, role, {HOSTS_COLUMN} FROM sessions"
        " JOIN users ON users.id = sessions.user_id"
        f" WHERE id_hash IN ({', '.join('?' * len(id_hashes))})"
        " AND seen_at >= ? AND sessions.created_at >= ?",
        (*id_hashes, now - idle, now - lifetime),
    )
    return {row["id_hash"]: role_on_host(row["role"], hosts_of(row["hosts"]), host) for row in rows}


def proxy_user() -> User | None:
    """The account a trusted reverse proxy names in TRUSTED_PROXY_USER_HEADER, if the request
    came from a proxy in TRUSTED_PROXIES that also sent TRUSTED_PROXY_SECRET."""
    header, secret = (
        current_app.config["TRUSTED_PROXY_USER_HEADER"],
        current_app.config["TRUSTED_PROXY_SECRET"],
    )
    if not header or not secret or not via_trusted_proxy():
        return None
    given = request.headers.get(PROXY_SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return None
    name = request.headers.get(header, "").strip()
    return find_user(get_db(), name) if name else None


def current_user() -> User | None:
    """Who is asking: the session's user, unless a trusted proxy names someone else; then a
    session of that account is opened (and logged as a login)."""
    user = session_user()
    named = proxy_user()
    if named is None or (user is not None and user.id == named.id):
        return user
    g.session_hash = start_session(get_db(), session, named)
    activity_log.record(
        get_db(),
        user=named.name,
        action="login",
        outcome="ok",
        detail="Logged in by the reverse proxy.",
    )
    return named


def on_sessions_ended(app: Flask, listener: Callable[[], None]) -> None:
    """Call ``listener`` whenever the panel ended sessions (it then checks the ones it keeps)."""
    app.extensions.setdefault(LISTENERS, []).append(listener)


def announce_sessions_ended() -> None:
    for listener in current_app.extensions.get(LISTENERS, ()):
        listener()
