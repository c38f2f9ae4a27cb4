"""Accounts, their roles and passwords, and the rules that keep them sane.

Used by the Users page and by ``pieces-admin users``; every change is written to the activity log
in the same transaction. Passwords are kept only as werkzeug scrypt hashes. A new password, a new
role and removing the account end the account's sessions in that transaction too (saying why:
endings.py).
"""

import re
import secrets
import sqlite3
from dataclasses import dataclass
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from ..activity import log as activity_log
from ..db import transaction
from .endings import PASSWORD, REMOVED, ROLE, end_sessions

ROLES = ("viewer", "operator", "admin")
#: What each permission allows, and which roles hold it.
PERMISSIONS = {
    "act": (("operator", "admin"), "download, cancel, load or unload models"),
    "edit": (("admin",), "edit custom models"),
    "manage_runtime": (("admin",), "install, update or uninstall the local runtime (Ollama)"),
    "manage_users": (("admin",), "manage users"),
    "manage_hosts": (("admin",), "add, change or remove Pieces OS hosts"),
}
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # hashing is deliberately slow; do not hash megabytes
FIRST_ADMIN_NAME = "admin"
HASH_METHOD = "scrypt"


class UserError(ValueError):
    """A change to the accounts that cannot be made; ``status`` is the HTTP status to answer."""

    status = 422


class UnknownUser(UserError):
    status = 404

    def __init__(self, name: str):
        super().__init__(f"There is no user named {name!r}.")


class DuplicateUser(UserError):
    status = 409

    def __init__(self, name: str):
        super().__init__(f"A user named {name!r} already exists.")


class LastAdmin(UserError):
    status = 409

    def __init__(self, name: str):
        super().__init__(f"{name} is the last admin; make someone else an admin first.")


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    created_at: str
    #: Still the random password made at first start: the panel asks to replace it.
    password_generated: bool = False
    last_login_at: float | None = None  # (time.time())

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "User":
        return cls(
            row["id"],
            row["name"],
            row["role"],
            row["created_at"],
            bool(row["password_generated"]),
            row["last_login_at"],
        )

    def can(self, permission: str) -> bool:
        roles, _what = PERMISSIONS[permission]
        return self.role in roles


def forbidden_message(user: User, permission: str) -> str:
    roles, what = PERMISSIONS[permission]
    return (
        f"You are logged in as {user.name} ({user.role}); only "
        f"{' and '.join(f'{role}s' for role in roles)} can {what}."
    )


# -- validation ------------------------------------------------------------------------------


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise UserError(
            "A user name is 1 to 64 letters, digits, dots, dashes or underscores, "
            "starting with a letter or digit."
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"The role must be one of: {', '.join(ROLES)}.")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(f"The password must be at most {MAX_PASSWORD_LENGTH} characters long.")
    return password


# -- reading ---------------------------------------------------------------------------------


def find_user(db: sqlite3.Connection, name: str) -> User | None:
    row = db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    return User.from_row(row) if row else None


def list_users(db: sqlite3.Connection) -> list[User]:
    return [
        User.from_row(row) for row in db.execute("SELECT * FROM users ORDER BY name COLLATE NOCASE")
    ]


def count_users(db: sqlite3.Connection) -> int:
    return db.execute("SELECT count(*) FROM users").fetchone()[0]


def authenticate(db: sqlite3.Connection, name: str, password: str) -> User | None:
    """The user if the name and password match; None otherwise, in about the same time."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    row = db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        check_password_hash(_unknown_user_hash(), password)  # a wrong name costs the same time
        return None
    return User.from_row(row) if check_password_hash(row["password_hash"], password) else None


@cache
def _unknown_user_hash() -> str:
    return generate_password_hash(secrets.token_hex(16), method=HASH_METHOD)


# -- changing --------------------------------------------------------------------------------


def add_user(db: sqlite3.Connection, name: str, role: str, password: str, *, actor: str) -> User:
    check_name(name)
    check_role(role)
    password_hash = generate_password_hash(check_password(password), method=HASH_METHOD)
    with transaction(db):
        if find_user(db, name):
            raise DuplicateUser(name)
        db.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
            (name, role, password_hash, activity_log.now()),
        )
        activity_log.record(
            db, user=actor, action="add-user", outcome="ok", detail=f"Added {name} as {role}."
        )
    return existing_user(db, name)


def set_role(db: sqlite3.Connection, name: str, role: str, *, actor: str) -> None:
    check_role(role)
    with transaction(db):
        user = existing_user(db, name)
        if role != "admin":
            _refuse_if_last_admin(db, user)
        db.execute("UPDATE users SET role = ? WHERE id = ?", (role, user.id))
        end_sessions(db, reason=ROLE, actor=actor, user_id=user.id)
        demoted = ROLES.index(role) < ROLES.index(user.role)
        if demoted:  # a token must not keep doing what its account may no longer do
            db.execute("DELETE FROM api_tokens WHERE user_id = ?", (user.id,))
        activity_log.record(
            db,
            user=actor,
            action="set-role",
            outcome="ok",
            detail=f"Changed {user.name} from {user.role} to {role}"
            + ("; their API tokens ended." if demoted else "."),
        )


def set_password(db: sqlite3.Connection, name: str, password: str, *, actor: str) -> None:
    """Change the password and end every session of the user."""
    password_hash = generate_password_hash(check_password(password), method=HASH_METHOD)
    with transaction(db):
        user = existing_user(db, name)
        db.execute(
            "UPDATE users SET password_hash = ?, password_generated = 0 WHERE id = ?",
            (password_hash, user.id),
        )
        end_sessions(db, reason=PASSWORD, actor=actor, user_id=user.id)
        activity_log.record(
            db,
            user=actor,
            action="set-password",
            outcome="ok",
            detail=f"Changed the password of {user.name}.",
        )


def remove_user(db: sqlite3.Connection, name: str, *, actor: str) -> None:
    with transaction(db):
        user = existing_user(db, name)
        _refuse_if_last_admin(db, user)
        end_sessions(db, reason=REMOVED, actor=actor, user_id=user.id)
        db.execute("DELETE FROM users WHERE id = ?", (user.id,))
        activity_log.record(
            db,
            user=actor,
            action="remove-user",
            outcome="ok",
            detail=f"Removed {user.name} ({user.role}).",
        )


def create_first_admin(db: sqlite3.Connection) -> str | None:
    """When there is no account at all, create ``admin`` with a random password and return
    the password (to be shown once); None when accounts exist. Safe to call from many
    processes at once: only one of them creates the account."""
    if count_users(db):
        return None
    password = secrets.token_urlsafe(15)
    password_hash = generate_password_hash(password, method=HASH_METHOD)
    with transaction(db):
        if count_users(db):
            return None
        db.execute(
            "INSERT INTO users (name, role, password_hash, created_at, password_generated)"
            " VALUES (?, 'admin', ?, ?, 1)",
            (FIRST_ADMIN_NAME, password_hash, activity_log.now()),
        )
        activity_log.record(
            db,
            user="(first start)",
            action="add-user",
            outcome="ok",
            detail=f"Added {FIRST_ADMIN_NAME} as admin, with a random password.",
        )
    return password


def existing_user(db: sqlite3.Connection, name: str) -> User:
    """The account named ``name``; UnknownUser if there is none."""
    user = find_user(db, name)
    if user is None:
        raise UnknownUser(name)
    return user


def is_last_admin(db: sqlite3.Connection, user: User) -> bool:
    """Is ``user`` the only admin (who may then be neither removed nor demoted)?"""
    if user.role != "admin":
        return False
    return db.execute("SELECT count(*) FROM users WHERE role = 'admin'").fetchone()[0] <= 1


def _refuse_if_last_admin(db: sqlite3.Connection, user: User) -> None:
    if is_last_admin(db, user):
        raise LastAdmin(user.name)
