"""Who a request comes from, before Flask looks at it: an account, or else an address.

The account is read from the session cookie, checked as Flask checks it (its signature and age)
and looked up in the sessions table; the answer is kept a few seconds, so that a client sending
thousands of requests costs the database one query. A cookie that names no session, or none at
all, leaves the request to its address (the client's own behind a trusted proxy).
"""

import time
from collections.abc import Hashable
from typing import TYPE_CHECKING

from flask import Flask
from itsdangerous import BadSignature
from werkzeug.http import parse_cookie

from ..accounts.sessions import SESSION_ID, account_of_session
from ..db import connect

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

#: How long the account of a session id is remembered.
REMEMBER_SECONDS = 10.0
#: Past this many remembered session ids, all are forgotten (they are cheap to look up again).
MOST_REMEMBERED = 10_000


class ClientNames:
    def __init__(self, app: Flask):
        self.app = app
        self._accounts: dict[str, tuple[int | None, float]] = {}

    def name_of(self, environ: "WSGIEnvironment") -> Hashable:
        """``("account", id)`` or ``("address", address)``."""
        session_id = self._session_id(environ)
        account = self._account(session_id) if session_id else None
        if account is not None:
            return ("account", account)
        return ("address", environ.get("REMOTE_ADDR", ""))

    def _session_id(self, environ: "WSGIEnvironment") -> str | None:
        cookie = parse_cookie(environ).get(self.app.config["SESSION_COOKIE_NAME"])
        serializer = self.app.session_interface.get_signing_serializer(self.app)  # type: ignore[attr-defined]
        if not cookie or serializer is None:
            return None
        lifetime = self.app.config["SESSION_LIFETIME_HOURS"] * 3600
        try:
            data = serializer.loads(cookie, max_age=lifetime)
        except BadSignature:
            return None
        session_id = data.get(SESSION_ID) if isinstance(data, dict) else None
        return session_id if isinstance(session_id, str) else None

    def _account(self, session_id: str) -> int | None:
        now = time.monotonic()
        remembered = self._accounts.get(session_id)
        if remembered is not None and remembered[1] > now:
            return remembered[0]
        connection = connect(self.app.config["DATABASE"])
        try:
            account = account_of_session(connection, session_id)
        finally:
            connection.close()
        if len(self._accounts) >= MOST_REMEMBERED:
            self._accounts.clear()
        self._accounts[session_id] = (account, now + REMEMBER_SECONDS)
        return account
