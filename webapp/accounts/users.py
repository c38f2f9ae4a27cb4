"""Accounts, their roles and passwords, and the rules that keep them sane.

Used by the Users page and by ``pieces-admin users``; every change is written to the activity log
in the same transaction. Passwords are kept only as werkzeug scrypt hashes. A new password, a new
role (or new hosts) and removing the account end the account's sessions in that transaction too
(saying why: endings.py).

An operator may be limited to some Pieces OS hosts (table ``user_hosts``, the account's scope):
it acts on those and is a viewer on the others; with none it acts on every host. Admins act on
every host, viewers on none, so neither is ever limited. A host that goes leaves every scope,
and an operator whose only host it was becomes a viewer rather than an operator of every host.
"""

import re
import secrets
import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from ..activity import log as activity_log
from ..db import transaction
from .endings import PASSWORD, REMOVED, ROLE, end_sessions
from .scopes import HOSTS_COLUMN, and_list, describe_role, hosts_of, narrower, role_on_host

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


class NotOperator(UserError):
    def __init__(self, role: str):
        super().__init__(
            f"Only operators are limited to some hosts: {role}s act on "
            f"{'every host' if role == 'admin' else 'none'}."
        )


class UnknownHost(UserError):
    def __init__(self, name: str, known: Collection[str]):
        super().__init__(
            f"There is no host named {name[:40]!r}; the hosts are: {', '.join(known) or 'none'}."
        )


class LastAdmin(UserError):
    status = 409

    def __init__(self, name: str):
        super().__init__(f"{name} is the last admin; make someone else an admin first.")


#: Every column of an account, its hosts included.
USER_COLUMNS = f"users.*, {HOSTS_COLUMN}"


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    created_at: str
    #: Still the random password made at first start: the panel asks to replace it.
    password_generated: bool = False
    last_login_at: float | None = None  # (time.time())
    #: The only hosts an operator acts on, by name (a viewer on the others); none: every host.
    hosts: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "User":
        """An account read with ``USER_COLUMNS``."""
        return cls(
            row["id"],
            row["name"],
            row["role"],
            row["created_at"],
            bool(row["password_generated"]),
            row["last_login_at"],
            hosts_of(row["hosts"]),
        )

    @property
    def standing(self) -> str:
        """The role, and the hosts it is limited to: "operator on gpu-1"."""
        return describe_role(self.role, self.hosts)

    @property
    def acts_on(self) -> str:
        """Where the account acts: "every host", "build-box, gpu-1", or "no host" (a viewer)."""
        if self.role == "viewer":
            return "no host"
        return ", ".join(self.hosts) or "every host"

    def role_on(self, host: str | None) -> str:
        return role_on_host(self.role, self.hosts, host)

    def can(self, permission: str, host: str | None = None) -> bool:
        """May the account do this on ``host`` (the host a request acts on)?"""
        roles, _what = PERMISSIONS[permission]
        return self.role_on(host) in roles


def forbidden_message(user: User, permission: str, host: str | None = None) -> str:
    roles, what = PERMISSIONS[permission]
    if user.role in roles and user.hosts:  # allowed, but not on this host
        return (
            f"You are logged in as {user.name} ({user.standing}); you can act on "
            f"{and_list(user.hosts)} only, not on {host or 'this host'}."
        )
    return (
        f"You are logged in as {user.name} ({user.standing}); only "
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


def check_hosts(role: str, hosts: Iterable[str], known: Collection[str]) -> tuple[str, ...]:
    """The hosts an account of ``role`` is limited to, each one of the fleet's (``known``)."""
    chosen = tuple(sorted(set(hosts)))
    if chosen and role != "operator":
        raise NotOperator(role)
    for host in chosen:
        if host not in known:
            raise UnknownHost(host, known)
    return chosen


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(f"The password must be at most {MAX_PASSWORD_LENGTH} characters long.")
    return password


# -- reading ---------------------------------------------------------------------------------


def find_user(db: sqlite3.Connection, name: str) -> User | None:
    row = db.execute(f"SELECT {USER_COLUMNS} FROM users WHERE name = ?", (name,)).fetchone()
    return User.from_row(row) if row else None


def list_users(db: sqlite3.Connection) -> list[User]:
    return [
        User.from_row(row)
        for row in db.execute(f"SELECT {USER_COLUMNS} FROM users ORDER BY name COLLATE NOCASE")
    ]


def count_users(db: sqlite3.Connection) -> int:
    return db.execute("SELECT count(*) FROM users").fetchone()[0]


def authenticate(db: sqlite3.Connection, name: str, password: str) -> User | None:
    """The user if the name and password match; None otherwise, in about the same time."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    row = db.execute(f"SELECT {USER_COLUMNS} FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        check_password_hash(_unknown_user_hash(), password)  # a wrong name costs the same time
        return None
    return User.from_row(row) if check_password_hash(row["password_hash"], password) else None


@cache
def _unknown_user_hash() -> str:
    return generate_password_hash(secrets.token_hex(16), method=HASH_METHOD)


# -- changing --------------------------------------------------------------------------------


def add_user(
    db: sqlite3.Connection,
    name: str,
    role: str,
    password: str,
    *,
    actor: str,
    hosts: Iterable[str] = (),
    known_hosts: Collection[str] = (),
) -> User:
    """Create an account; an operator limited to ``hosts``, each one of ``known_hosts``."""
    check_name(name)
    check_role(role)
    chosen = check_hosts(role, hosts, known_hosts)
    password_hash = generate_password_hash(check_password(password), method=HASH_METHOD)
    with transaction(db):
        if find_user(db, name):
            raise DuplicateUser(name)
        user_id = db.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
            (name, role, password_hash, activity_log.now()),
        ).lastrowid
        _keep_hosts(db, user_id, chosen)
        activity_log.record(
            db,
            user=actor,
            action="add-user",
            outcome="ok",
            detail=f"Added {name} as {describe_role(role, chosen)}.",
        )
    return existing_user(db, name)


def set_role(
    db: sqlite3.Connection,
    name: str,
    role: str,
    *,
    actor: str,
    hosts: Iterable[str] | None = None,
    known_hosts: Collection[str] = (),
) -> None:
    """Give an account ``role``, limited to ``hosts`` (each one of ``known_hosts``; none: every
    host). ``hosts`` None keeps an operator's hosts as they are. Its sessions end (its pages are
    rendered for its role on their host), and so do its tokens if it may now do less."""
    check_role(role)
    with transaction(db):
        user = existing_user(db, name)
        if hosts is None:
            chosen = user.hosts if role == user.role else ()
        else:
            chosen = check_hosts(role, hosts, known_hosts)
        if role != "admin":
            _refuse_if_last_admin(db, user)
        db.execute("UPDATE users SET role = ? WHERE id = ?", (role, user.id))
        _keep_hosts(db, user.id, chosen)
        end_sessions(db, reason=ROLE, actor=actor, user_id=user.id)
        demoted = ROLES.index(role) < ROLES.index(user.role) or (
            role == user.role and narrower(user.hosts, chosen)
        )
        if demoted:  # a token must not keep doing what its account may no longer do
            db.execute("DELETE FROM api_tokens WHERE user_id = ?", (user.id,))
        every = bool(user.hosts or chosen)  # the hosts are the point: say "on every host"
        before = describe_role(user.role, user.hosts, every_host=every)
        after = describe_role(role, chosen, every_host=every)
        activity_log.record(
            db,
            user=actor,
            action="set-role",
            outcome="ok",
            detail=f"Changed {user.name} from {before} to {after}"
            + ("; their API tokens ended." if demoted else "."),
        )


def _keep_hosts(db: sqlite3.Connection, user_id: int | None, hosts: Iterable[str]) -> None:
    db.execute("DELETE FROM user_hosts WHERE user_id = ?", (user_id,))
    db.executemany(
        "INSERT INTO user_hosts (user_id, host) VALUES (?, ?)", ((user_id, h) for h in hosts)
    )


def rename_host(db: sqlite3.Connection, name: str, new_name: str) -> None:
    """(In the transaction that renames the host.) Operators of ``name`` act on ``new_name``."""
    db.execute("UPDATE user_hosts SET host = ? WHERE host = ?", (new_name, name))


def limited_operators(db: sqlite3.Connection) -> list[User]:
    """The operators limited to some hosts."""
    return [
        User.from_row(row)
        for row in db.execute(
            f"SELECT {USER_COLUMNS} FROM users WHERE id IN (SELECT user_id FROM user_hosts)"
        )
    ]


def forget_host(db: sqlite3.Connection, name: str, *, actor: str) -> list[str]:
    """(In the transaction that removes the host.) The host leaves every scope; an operator
    whose only host it was becomes a viewer (with none left it would act on every host), its
    sessions and tokens end, and that is logged. The names of those operators."""
    only_there = [
        User.from_row(row)
        for row in db.execute(
            f"SELECT {USER_COLUMNS} FROM users WHERE role = 'operator' AND id IN"
            " (SELECT user_id FROM user_hosts GROUP BY user_id"
            "  HAVING count(*) = 1 AND max(host) = ?) ORDER BY name",
            (name,),
        )
    ]
    db.execute("DELETE FROM user_hosts WHERE host = ?", (name,))
    for user in only_there:
        db.execute("UPDATE users SET role = 'viewer' WHERE id = ?", (user.id,))
        end_sessions(db, reason=ROLE, actor=actor, user_id=user.id)
        db.execute("DELETE FROM api_tokens WHERE user_id = ?", (user.id,))
        activity_log.record(
            db,
            user=actor,
            action="set-role",
            outcome="ok",
            detail=f"Changed {user.name} from {user.standing} to viewer: {name} was removed;"
            " their API tokens ended.",
        )
    return [user.name for user in only_there]


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
            detail=f"Removed {user.name} ({user.standing}).",
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
