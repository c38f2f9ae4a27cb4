"""The panel's SQLite database: accounts and the activity log.

One connection per request (or per app context), opened on first use and closed at teardown, as in
Flask's tutorial. The connection is in autocommit mode: a single statement is durable as soon as it
returns, and ``transaction()`` groups statements that must happen together.
"""

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g

from .config import ConfigError

DATABASE_FILE_NAME = "panel.sqlite"
BUSY_TIMEOUT_SECONDS = 10
#: The file holds password hashes and session ids: its owner alone may read it. SQLite gives
#: its -wal and -shm files the mode of the database file.
PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700
SIDE_FILE_SUFFIXES = ("-wal", "-shm")

#: The schema, one step per version (SQLite's ``PRAGMA user_version``): step n brings a database
#: from version n - 1 to n, in one transaction. A released step is never edited; a change of the
#: schema is a new step at the end.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: accounts, sessions and the activity log. Databases made before versions were counted
    # (version 0) have these tables already: IF NOT EXISTS leaves them as they are.
    (
        """CREATE TABLE IF NOT EXISTS users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        # One row per logged-in session; the cookie holds a random id whose SHA-256 is kept
        # here. Rows go with their account (and on logout, a new password or a new role), so
        # an account made later, even with a reused id, never finds one.
        """CREATE TABLE IF NOT EXISTS sessions (
            id_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            created_at REAL NOT NULL,
            seen_at REAL NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id)",
        """CREATE TABLE IF NOT EXISTS activity (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            action TEXT NOT NULL,
            model_id TEXT,
            model_name TEXT,
            outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'ok', 'refused', 'failed')),
            detail TEXT,
            finished_at TEXT
        )""",
        "CREATE INDEX IF NOT EXISTS activity_by_model ON activity (model_id, id)",
        "CREATE INDEX IF NOT EXISTS activity_by_user ON activity (user COLLATE NOCASE, id)",
    ),
    # 2: the addresses each account signed in from (accounts/sign_ins.py), so that a stranger's
    # failed logins never delay them, not even after a restart.
    (
        """CREATE TABLE sign_in_addresses (
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            address TEXT NOT NULL,
            last_at REAL NOT NULL,
            PRIMARY KEY (user_id, address)
        )""",
    ),
    # 3: who is here, and why a session ended. Each session's address and browser and each
    # account's last login (the Users page shows them); whether an account's password is still
    # the one generated at first start (the panel asks to replace it); the sessions the panel
    # ended, with why, so that a page or a click that comes back with one is told
    # (accounts/endings.py). Ended sessions are forgotten after SESSION_LIFETIME_HOURS.
    (
        "ALTER TABLE sessions ADD COLUMN address TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE sessions ADD COLUMN browser TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE users ADD COLUMN last_login_at REAL",
        "ALTER TABLE users ADD COLUMN password_generated INTEGER NOT NULL DEFAULT 0",
        """CREATE TABLE ended_sessions (
            id_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL,
            reason TEXT NOT NULL,
            actor TEXT NOT NULL,
            ended_at REAL NOT NULL
        )""",
    ),
    # 4: a download somebody cancelled has an outcome of its own, ``cancelled``, no longer
    # ``failed`` (SQLite changes a CHECK only by copying the table). Entries logged before say
    # so in their detail: they are given it too.
    (
        """CREATE TABLE activity_with_cancelled (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            action TEXT NOT NULL,
            model_id TEXT,
            model_name TEXT,
            outcome TEXT NOT NULL
                CHECK (outcome IN ('pending', 'ok', 'refused', 'failed', 'cancelled')),
            detail TEXT,
            finished_at TEXT
        )""",
        """INSERT INTO activity_with_cancelled
            (id, at, user, action, model_id, model_name, outcome, detail, finished_at)
            SELECT id, at, user, action, model_id, model_name, outcome, detail, finished_at
            FROM activity""",
        "DROP TABLE activity",
        "ALTER TABLE activity_with_cancelled RENAME TO activity",
        "CREATE INDEX activity_by_model ON activity (model_id, id)",
        "CREATE INDEX activity_by_user ON activity (user COLLATE NOCASE, id)",
        """UPDATE activity SET outcome = 'cancelled' WHERE action = 'download'
            AND outcome = 'failed' AND detail LIKE 'Download cancelled %'""",
    ),
    # 5: API tokens (accounts/tokens.py), kept as SHA-256 hashes; an action done with one names
    # it in the activity log (``via``).
    (
        """CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL,
            last_used_at REAL,
            expires_at REAL,
            UNIQUE (user_id, name)
        )""",
        "ALTER TABLE activity ADD COLUMN via TEXT",
    ),
    # 6: the fleet (fleet/stored.py): hosts added on the Hosts page or seeded from
    # PIECES_OS_HOSTS, and the host each entry of the log concerns (NULL: none, e.g. a login).
    # Entries made before belong to the panel's first host, named at its next start
    # (fleet.stored.claim_unnamed_entries): the name is a setting, unknown here.
    (
        """CREATE TABLE hosts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            url TEXT NOT NULL,
            added_at TEXT NOT NULL
        )""",
        "ALTER TABLE activity ADD COLUMN host TEXT",
        "CREATE INDEX activity_by_host ON activity (host, id)",
        # Marks the entries to give the first host: host actions logged before this version.
        """UPDATE activity SET host = '' WHERE action NOT IN ('login', 'logout', 'add-user',
            'set-role', 'set-password', 'remove-user', 'end-session', 'create-token',
            'revoke-token', 'token', 'access')""",
    ),
    # 7: operators limited to some hosts (accounts/users.py): an operator with rows here acts
    # on those hosts only, a viewer on the others; with none, on every host.
    (
        """CREATE TABLE user_hosts (
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            PRIMARY KEY (user_id, host)
        )""",
        "CREATE INDEX user_hosts_by_host ON user_hosts (host)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class DatabaseTooNew(ConfigError):
    """The database was upgraded by a newer version of the panel than this one."""


def database_path(configured: str | None, instance_path: str | Path) -> str:
    """The DATABASE setting, or the default file in the instance folder."""
    return str(configured or Path(instance_path) / DATABASE_FILE_NAME)


def connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def prepare_database(path: str) -> None:
    """Create the file (readable by its owner only) in WAL mode if missing, and bring its schema
    to this version's. A database of a newer version is left untouched: DatabaseTooNew."""
    make_private_folders(Path(path).parent)
    make_private(path)
    connection = connect(path)
    try:
        refuse_if_newer(connection, path)
        # WAL lets the log be read while a request writes to it; the mode is kept in the file.
        connection.execute("PRAGMA journal_mode=WAL")
        migrate(connection, path)
    finally:
        connection.close()


def make_private_folders(folder: Path) -> None:
    """Create ``folder`` and its missing parents, each its owner's alone whatever the umask
    (``mkdir(parents=True)`` would give the parents the umask's mode: a world-writable parent
    lets anybody swap the folder for their own)."""
    missing = [folder, *folder.parents]
    for each in reversed([path for path in missing if not path.exists()]):
        each.mkdir(mode=PRIVATE_FOLDER_MODE, exist_ok=True)


def migrate(connection: sqlite3.Connection, path: str) -> None:
    """Run the steps the database lacks, each with its new version in one transaction. The
    version is read inside it, so two processes starting at once never run a step twice."""
    while True:
        with transaction(connection):
            version = refuse_if_newer(connection, path)
            if version == SCHEMA_VERSION:
                return
            for statement in MIGRATIONS[version]:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version + 1}")


def refuse_if_newer(connection: sqlite3.Connection, path: str) -> int:
    """The database's schema version; DatabaseTooNew if this version of the panel does not
    know it."""
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise DatabaseTooNew(
            f"the database {path} was upgraded by a newer version of the panel (schema "
            f"version {version}; this version knows up to {SCHEMA_VERSION}). Nothing in it was "
            "changed: run the newer version, or set DATABASE to another file."
        )
    return version


def make_private(path: str) -> None:
    """Create the database file with mode 0600, or take away the access others have to it
    (and to its -wal and -shm files) if it was created before."""
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, PRIVATE_FILE_MODE))
    for name in (path, *(path + suffix for suffix in SIDE_FILE_SUFFIXES)):
        if os.path.exists(name) and os.stat(name).st_mode & 0o077:
            os.chmod(name, PRIVATE_FILE_MODE)


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Statements that commit together or not at all; taken with the write lock at once, so a
    check followed by a change (e.g. "is this the last admin?") cannot race another writer."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def get_db() -> sqlite3.Connection:
    """The current app context's connection, opened on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(_error: BaseException | None = None) -> None:
    connection = g.pop("db", None)
    if connection is not None:
        connection.close()


def init_app(app: Flask) -> None:
    app.config["DATABASE"] = database_path(app.config.get("DATABASE"), app.instance_path)
    prepare_database(app.config["DATABASE"])
    app.teardown_appcontext(close_db)
