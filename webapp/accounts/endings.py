"""Why a session ended, said in plain words to whoever comes back with it: an open page whose
live socket closes (live/sessions.py) and a request that still carries the session's cookie (the
gate) are told "your session has ended: Sam changed your role to viewer", not just that it ended.

Each way the panel ends sessions (logout, a new password, a new role, removing the account, an
admin's "End session" on the Users page) deletes them through ``end_sessions`` here, which keeps
why in ``ended_sessions`` in the same transaction; the command line's changes go through it too.
A session that ran out (idle, or too old) needs no record: its own row says so.
"""

import sqlite3
import time
from dataclasses import dataclass

from .scopes import HOSTS_COLUMN, describe_role, hosts_of, role_on_host

LOGOUT, PASSWORD, ROLE, REMOVED, ENDED = "logout", "password", "role", "removed", "ended"


@dataclass(frozen=True)
class Ending:
    """Why a session ended (``cause``, a clause), and whether logging in again can help."""

    cause: str
    can_log_in_again: bool = True

    @property
    def sentence(self) -> str:
        return f"Your session has ended: {self.cause}."


#: A session the panel knows nothing more about (it may have been deleted by hand).
UNKNOWN = Ending("it is no longer valid")


def end_sessions(
    db: sqlite3.Connection, *, reason: str, actor: str, user_id: int, id_hash: str | None = None
) -> int:
    """End the sessions of account ``user_id`` (only ``id_hash`` when given) because of
    ``reason``, done by ``actor``; keep why. How many ended."""
    only_one = " AND id_hash = ?" if id_hash is not None else ""
    chosen = (user_id,) if id_hash is None else (user_id, id_hash)
    db.execute(
        "INSERT OR REPLACE INTO ended_sessions (id_hash, user_id, reason, actor, ended_at)"
        f" SELECT id_hash, user_id, ?, ?, ? FROM sessions WHERE user_id = ?{only_one}",
        (reason, actor, time.time(), *chosen),
    )
    return db.execute(f"DELETE FROM sessions WHERE user_id = ?{only_one}", chosen).rowcount


def forget_old_endings(db: sqlite3.Connection, lifetime: float) -> None:
    """A session older than the longest a session lasts would have ended anyway."""
    db.execute("DELETE FROM ended_sessions WHERE ended_at <= ?", (time.time() - lifetime,))


def why_ended(
    db: sqlite3.Connection,
    id_hash: str,
    limits: tuple[float, float],
    *,
    account_id: int | None = None,
    role: str | None = None,
    host: str | None = None,
) -> Ending:
    """Why session ``id_hash`` no longer holds, given ``limits`` (idle, lifetime) in seconds.
    A live page also knows its account, and the ``role`` it was rendered for on its ``host``."""
    ended = db.execute(
        f"SELECT reason, actor, name, role, {HOSTS_COLUMN} FROM ended_sessions"
        " LEFT JOIN users ON users.id = ended_sessions.user_id WHERE id_hash = ?",
        (id_hash,),
    ).fetchone()
    if ended is not None:
        standing = describe_role(ended["role"], hosts_of(ended["hosts"]))
        return _told(ended["reason"], ended["actor"], ended["name"], standing)
    session = db.execute(
        f"SELECT sessions.created_at, seen_at, role, {HOSTS_COLUMN} FROM sessions"
        " JOIN users ON users.id = sessions.user_id WHERE id_hash = ?",
        (id_hash,),
    ).fetchone()
    if session is not None:
        return _ran_out(session, limits, role, host)
    if account_id is not None and not _account_exists(db, account_id):
        return Ending("your account was removed", can_log_in_again=False)
    return UNKNOWN


def _told(reason: str, actor: str, name: str | None, role: str | None) -> Ending:
    """What an ending the panel recorded means, as the person whose session it was reads it."""
    if name is None or reason == REMOVED:
        return Ending(f"{actor} removed your account", can_log_in_again=False)
    yourself = actor.casefold() == name.casefold()
    if reason == LOGOUT:
        return Ending("you logged out, in another tab or window of this browser")
    if reason == PASSWORD:
        return Ending(
            "you changed your password in another tab or window"
            if yourself
            else f"{actor} set a new password for your account"
        )
    if reason == ROLE:
        return Ending(
            f"you changed your own role to {role}"
            if yourself
            else f"{actor} changed your role to {role}"
        )
    return Ending(f"{actor} ended it on the Users page")


def _ran_out(
    session: sqlite3.Row, limits: tuple[float, float], role: str | None, host: str | None
) -> Ending:
    idle, lifetime = limits
    now = time.time()
    if now - session["seen_at"] > idle:
        return Ending(f"it was not used for {idle / 60:g} minutes")
    if now - session["created_at"] > lifetime:
        return Ending(f"it began {lifetime / 3600:g} hours ago, the longest a session lasts")
    hosts = hosts_of(session["hosts"])
    if role is not None and role_on_host(session["role"], hosts, host) != role:
        return Ending(f"your role is now {describe_role(session['role'], hosts)}")
    return UNKNOWN


def _account_exists(db: sqlite3.Connection, account_id: int) -> bool:
    return db.execute("SELECT 1 FROM users WHERE id = ?", (account_id,)).fetchone() is not None
