"""The panel's SQLite database: accounts and the activity log.

One connection per request (or per app context), opened on first use and closed at teardown, as in
Flask's tutorial. The connection is in autocommit mode: a single statement is durable as soon as it
returns, and ``transaction()`` groups statements that must happen together.
"""
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g

DATABASE_FILE_NAME = "panel.sqlite"
BUSY_TIMEOUT_SECONDS = 10

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    password_hash TEXT NOT NULL,
    -- Raised when the password changes: sessions opened before then end.
    session_epoch INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

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
    return connection


def create_schema(path: str) -> None:
    """Create the file, its tables and indexes if missing; switch the file to WAL mode."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    connection = connect(path)
    try:
        # WAL lets the log be read while a request writes to it; the mode is kept in the file.
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(SCHEMA)
    finally:
        connection.close()


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
