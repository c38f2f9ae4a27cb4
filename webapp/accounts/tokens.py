"""API tokens: a script's way to act as an account (``Authorization: Bearer <token>``).

A token is shown once, when it is made; the database keeps only its SHA-256 (table
``api_tokens``), its name (unique per account), when it was made and last used, and when it
expires. It acts with its account's role as it is at each request, and goes with the account
(ON DELETE CASCADE); a demotion ends the account's tokens, as a new role ends its sessions.
"""

import hashlib
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass

from ..activity import log as activity_log
from ..db import transaction
from .users import User, UserError, find_user

#: Tokens start with this, so that a secret scanner (or a person) can tell what one is.
PREFIX = "pmp_"
TOKEN_PATTERN = re.compile(r"pmp_[A-Za-z0-9_-]{43}")
TOKEN_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")
MAX_EXPIRY_DAYS = 3650
DAY = 86_400
#: The last-used time is written at most this often.
USED_WRITE_SECONDS = 60


class UnknownToken(UserError):
    status = 404

    def __init__(self) -> None:
        super().__init__("There is no such token.")


@dataclass(frozen=True)
class Token:
    id: int
    owner: str
    name: str
    created_at: float
    last_used_at: float | None
    expires_at: float | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Token":
        return cls(
            row["id"],
            row["owner"],
            row["name"],
            row["created_at"],
            row["last_used_at"],
            row["expires_at"],
        )

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_token_name(name: str) -> str:
    name = name.strip()
    if not TOKEN_NAME_PATTERN.fullmatch(name):
        raise UserError(
            "A token's name is 1 to 64 letters, digits, spaces, dots, dashes or underscores, "
            "starting with a letter or digit."
        )
    return name


def check_expiry_days(days: int | None) -> int | None:
    if days is not None and not 1 <= days <= MAX_EXPIRY_DAYS:
        raise UserError(f"A token expires after 1 to {MAX_EXPIRY_DAYS} days (or never).")
    return days


def create_token(
    db: sqlite3.Connection, owner: User, name: str, expires_days: int | None, *, actor: str
) -> str:
    """Make a token for ``owner`` and return it: the only time it is shown."""
    name, expires_days = check_token_name(name), check_expiry_days(expires_days)
    token = PREFIX + secrets.token_urlsafe(32)
    now = time.time()
    expires_at = now + expires_days * DAY if expires_days else None
    with transaction(db):
        if db.execute(
            "SELECT 1 FROM api_tokens WHERE user_id = ? AND name = ?", (owner.id, name)
        ).fetchone():
            raise UserError(f"{owner.name} already has a token named {name!r}.")
        db.execute(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                owner.id,
                name,
                hash_token(token),
                now,
                expires_at,
            ),
        )
        activity_log.record(
            db,
            user=actor,
            action="create-token",
            outcome="ok",
            detail=f"Token {name!r} for {owner.name}"
            + (f", expires in {expires_days} days." if expires_days else ", never expires."),
        )
    return token


def list_tokens(db: sqlite3.Connection, owner: User | None = None) -> list[Token]:
    """``owner``'s tokens, or everybody's (for admins), oldest first."""
    query = (
        "SELECT api_tokens.*, users.name AS owner FROM api_tokens"
        " JOIN users ON users.id = api_tokens.user_id"
    )
    if owner is None:
        rows = db.execute(query + " ORDER BY api_tokens.id")
    else:
        rows = db.execute(query + " WHERE user_id = ? ORDER BY api_tokens.id", (owner.id,))
    return [Token.from_row(row) for row in rows]


def revoke_token(
    db: sqlite3.Connection, token_id: int, *, actor: str, owner: User | None = None
) -> Token:
    """Delete a token (only if it is ``owner``'s, when given: a person revokes their own, an
    admin or the command line anybody's)."""
    with transaction(db):
        token = next((each for each in list_tokens(db, owner) if each.id == token_id), None)
        if token is None:
            raise UnknownToken()
        db.execute("DELETE FROM api_tokens WHERE id = ?", (token_id,))
        activity_log.record(
            db,
            user=actor,
            action="revoke-token",
            outcome="ok",
            detail=f"Token {token.name!r} of {token.owner}.",
        )
    return token


def token_holds(db: sqlite3.Connection, token_id: int) -> bool:
    """Whether the token still exists and has not expired (an open event stream asks)."""
    row = db.execute("SELECT expires_at FROM api_tokens WHERE id = ?", (token_id,)).fetchone()
    return row is not None and (row["expires_at"] is None or time.time() < row["expires_at"])


def account_of_token(db: sqlite3.Connection, presented: str) -> tuple[User, Token] | None:
    """The account and token ``presented`` stands for, if it exists and has not expired."""
    if not TOKEN_PATTERN.fullmatch(presented):
        return None
    row = db.execute(
        "SELECT api_tokens.*, users.name AS owner FROM api_tokens"
        " JOIN users ON users.id = api_tokens.user_id WHERE token_hash = ?",
        (hash_token(presented),),
    ).fetchone()
    now = time.time()
    if row is None:
        return None
    token = Token.from_row(row)
    if token.expired(now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= USED_WRITE_SECONDS:
        db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now, token.id))
    user = find_user(db, token.owner)
    return (user, token) if user else None
