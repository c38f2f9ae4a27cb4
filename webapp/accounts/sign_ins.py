"""The addresses each account signed in from, kept in the database: the login throttle does not
make them wait for the failures of their name, so strangers guessing it cannot lock the account
out from where its owner works, not even across a restart of the panel."""

import sqlite3
import time

from ..db import transaction

#: The most recent addresses kept per account.
MAX_ADDRESSES = 16


def remember(db: sqlite3.Connection, user_id: int, address: str) -> None:
    """The account signed in from ``address``: keep it among its most recent ones."""
    with transaction(db):
        db.execute(
            "INSERT INTO sign_in_addresses (user_id, address, last_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id, address) DO UPDATE SET last_at = excluded.last_at",
            (user_id, address, time.time()),
        )
        db.execute(
            "DELETE FROM sign_in_addresses WHERE user_id = ? AND address NOT IN"
            " (SELECT address FROM sign_in_addresses WHERE user_id = ?"
            " ORDER BY last_at DESC LIMIT ?)",
            (user_id, user_id, MAX_ADDRESSES),
        )


def is_known(db: sqlite3.Connection, name: str, address: str) -> bool:
    """Has the account called ``name`` (any case) signed in from ``address``?"""
    row = db.execute(
        "SELECT 1 FROM sign_in_addresses JOIN users ON users.id = sign_in_addresses.user_id"
        " WHERE users.name = ? AND address = ?",
        (name, address),
    ).fetchone()
    return row is not None
