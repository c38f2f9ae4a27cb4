"""Who is here: each account's open sessions (when they began and were last used, from where,
how many pages they have open with live updates), for the Users page, and ending one of them,
for an admin. The live updates (which know the open pages) say how many each session has open
through ``count_open_pages_with``.

A session is named on the page by ``OpenSession.ref``, the start of the SHA-256 the database
keeps of its id (never the id itself, which is the cookie's secret): enough to tell an account's
sessions apart, useless to log in with.
"""

import re
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import Flask, current_app

from ..activity import log as activity_log
from ..db import transaction
from .endings import ENDED, end_sessions
from .users import UnknownUser, User, UserError, find_user

REF_LENGTH = 16
REF_PATTERN = re.compile(f"[0-9a-f]{{{REF_LENGTH}}}")
PAGES_OPEN = "open_pages_by_session"  # app.extensions key


class UnknownSession(UserError):
    status = 404

    def __init__(self, name: str):
        super().__init__(f"{name} has no such open session (it may have ended already).")


@dataclass(frozen=True)
class OpenSession:
    id_hash: str
    user_id: int
    began: float
    seen: float
    address: str
    browser: str

    @property
    def ref(self) -> str:
        return self.id_hash[:REF_LENGTH]


def open_sessions(
    db: sqlite3.Connection, limits: tuple[float, float]
) -> dict[int, list[OpenSession]]:
    """Every session still valid under ``limits`` (idle, lifetime), by account id, the most
    recently used first."""
    idle, lifetime = limits
    now = time.time()
    rows = db.execute(
        "SELECT id_hash, user_id, created_at, seen_at, address, browser FROM sessions"
        " WHERE seen_at >= ? AND created_at >= ? ORDER BY seen_at DESC",
        (now - idle, now - lifetime),
    )
    sessions: dict[int, list[OpenSession]] = {}
    for row in rows:
        sessions.setdefault(row["user_id"], []).append(OpenSession(*row))
    return sessions


def end_session_of(
    db: sqlite3.Connection, name: str, ref: str, *, actor: User, current: str | None
) -> None:
    """End the session ``ref`` of account ``name``, as ``actor`` asked (logged). Not the
    session the actor is using (``current``): "Log out" is for that."""
    if not REF_PATTERN.fullmatch(ref):
        raise UserError(f"A session is named by {REF_LENGTH} hexadecimal digits.")
    with transaction(db):
        user = find_user(db, name)
        if user is None:
            raise UnknownUser(name)
        row = db.execute(
            "SELECT id_hash FROM sessions WHERE user_id = ? AND substr(id_hash, 1, ?) = ?",
            (user.id, REF_LENGTH, ref),
        ).fetchone()
        if row is None:
            raise UnknownSession(user.name)
        if row["id_hash"] == current:
            raise UserError("That is the session you are using: log out instead.")
        end_sessions(db, reason=ENDED, actor=actor.name, user_id=user.id, id_hash=row["id_hash"])
        activity_log.record(
            db,
            user=actor.name,
            action="end-session",
            outcome="ok",
            detail=f"Ended a session of {user.name} (session {ref}).",
        )


def count_open_pages_with(app: Flask, counter: Callable[[], Mapping[str, int]]) -> None:
    """``counter()`` says how many pages each session (by hash) has open with live updates."""
    app.extensions[PAGES_OPEN] = counter


def open_pages() -> Mapping[str, int]:
    counter = current_app.extensions.get(PAGES_OPEN)
    return counter() if counter else {}
