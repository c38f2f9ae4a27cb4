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

DATABASE_FILE_NAME = "panel.sqlite"
BUSY_TIMEOUT_SECONDS = 10
#: The file holds password hashes and session ids: its owner alone may read it. SQLite gives
#: its -wal and -shm files the mode of the database file.
PRIVATE_FILE_MODE = 0o600
SIDE_FILE_SUFFIXES = ("-wal", "-shm")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- One row per logged-in session; the cookie holds a random id whose SHA-256 is kept here.
-- Rows go with their account (and on logout, a new password or a new role), so an account
-- made later, even with a reused id, never finds one.
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    seen_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id);

CREATE TABLE IF NOT EXISTS activity (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    model_id TEXT,
    model_name TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'ok', 'refused', 'failed')),
    detail TEXT,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS activity_by_model ON activity (model_id, id);
CREATE INDEX IF NOT EXISTS activity_by_user ON activity (user COLLATE NOCASE, id);
"""


def database_path(configured: str | None, instance_path: str | Path) -> str:
    """The DATABASE setting, or the default file in the instance folder."""
    return str(configured or Path(instance_path) / DATABASE_FILE_NAME)


def connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def create_schema(path: str) -> None:
    """Create the file (readable by its owner only), its tables and indexes if missing; switch
    the file to WAL mode."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    make_private(path)
    connection = connect(path)
    try:
        # WAL lets the log be read while a request writes to it; the mode is kept in the file.
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(SCHEMA)
    finally:
        connection.close()


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
    create_schema(app.config["DATABASE"])
    app.teardown_appcontext(close_db)
