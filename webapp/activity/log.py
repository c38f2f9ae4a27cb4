"""The lasting activity log: who did what to which model, when, and how it ended.

An action's entry is written as ``pending`` before Pieces OS is called and completed afterwards,
so neither an upstream failure nor a crash of the panel loses the record of the attempt. After a
request that wrote to it, the app's listeners (the live state) are told, so open pages follow.
"""

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, current_app, g, has_app_context, has_request_context

from ..db import get_db

MODEL_ACTIONS = ("download", "cancel", "load", "unload", "edit")
#: Freeing disk and memory, and the whole life of custom models.
CLEANUP_ACTIONS = ("delete-files", "unload-all", "create-model", "delete-model")
SESSION_ACTIONS = ("login", "logout")
USER_ACTIONS = ("add-user", "set-role", "set-password", "remove-user", "end-session")
#: The local runtime (Ollama), managed by admins.
RUNTIME_ACTIONS = ("install-runtime", "update-runtime", "cancel-runtime", "uninstall-runtime")
#: API tokens made and revoked, and requests with a token that was no good.
TOKEN_ACTIONS = ("create-token", "revoke-token", "token")
#: The fleet's hosts, added, changed and removed by admins.
HOST_ACTIONS = ("add-host", "change-host", "remove-host")
PANEL_ACTIONS = ("pieces-os-moved",)  # what the panel itself noticed
#: A request refused for want of a permission (403).
ACCESS_ACTIONS = ("access",)
ACTIONS = (
    MODEL_ACTIONS
    + CLEANUP_ACTIONS
    + RUNTIME_ACTIONS
    + SESSION_ACTIONS
    + USER_ACTIONS
    + TOKEN_ACTIONS
    + HOST_ACTIONS
    + PANEL_ACTIONS
    + ACCESS_ACTIONS
)
#: ``cancelled``: a download somebody (or another tool) stopped, on purpose, unlike ``failed``.
OUTCOMES = ("pending", "ok", "refused", "failed", "cancelled")
MAX_DETAIL_LENGTH = 1000
MAX_USER_LENGTH = 100  # a failed login records the name as typed, which may be anything
RECENT_LIMIT = 10
LISTENERS = "activity_listeners"  # app.extensions key: what to call after the log changed


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    user: str
    action: str
    model_id: str | None
    model_name: str | None
    outcome: str
    detail: str | None
    finished_at: datetime | None = None  # None while pending
    via: str | None = None  # the API token it was done with
    host: str | None = None  # the Pieces OS host it concerns (None: none, e.g. a login)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Entry":
        finished = row["finished_at"]
        return cls(
            id=row["id"],
            at=datetime.fromisoformat(row["at"]),
            user=row["user"],
            action=row["action"],
            model_id=row["model_id"],
            model_name=row["model_name"],
            outcome=row["outcome"],
            detail=row["detail"],
            finished_at=datetime.fromisoformat(finished) if finished else None,
            via=row["via"] if "via" in row.keys() else None,
            host=row["host"] if "host" in row.keys() else None,
        )

    @property
    def took(self) -> float | None:
        """Seconds from its start to its end (whole seconds: the log keeps no finer times)."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.at).total_seconds()


def token_in_use() -> str | None:
    """The name of the API token the current request was made with, if any."""
    token = g.get("token") if has_request_context() else None
    return f"token {token.name}" if token is not None else None


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record(
    db: sqlite3.Connection,
    *,
    user: str,
    action: str,
    outcome: str,
    detail: str | None = None,
    model_id: str | None = None,
    model_name: str | None = None,
    host: str | None = None,
) -> int:
    """Write one entry (finished unless ``pending``) and return its id; ``host``: the Pieces
    OS host it concerns. Written while a request made with an API token is served, the entry
    names the token (``via``)."""
    moment = now()
    cursor = db.execute(
        "INSERT INTO activity (at, user, action, model_id, model_name, outcome, detail,"
        " finished_at, via, host) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            moment,
            user[:MAX_USER_LENGTH],
            action,
            model_id,
            model_name,
            outcome,
            _clipped(detail),
            None if outcome == "pending" else moment,
            token_in_use(),
            host,
        ),
    )
    _written()
    assert cursor.lastrowid is not None  # (set by every INSERT)
    return cursor.lastrowid


class Attempt:
    """The pending entry of one action; finish it with ``refused`` or ``failed``, or let
    ``attempt()`` mark it ``ok`` when the block ends normally."""

    def __init__(self, db: sqlite3.Connection, entry_id: int):
        self._db = db
        self._entry_id = entry_id
        self.outcome = "pending"

    @property
    def entry_id(self) -> int:
        return self._entry_id

    def identify(self, model_name: str, model_id: str | None = None) -> None:
        """Name the model once Pieces OS has said which one the id is (or, for a model just
        created, which id it got)."""
        self._db.execute(
            "UPDATE activity SET model_name = ?, model_id = COALESCE(?, model_id) WHERE id = ?",
            (model_name, model_id, self._entry_id),
        )
        _written()

    def succeeded(self, detail: str) -> None:
        """It worked, and ``detail`` says what it did."""
        self._finish("ok", detail)

    def refused(self, reason: str) -> None:
        self._finish("refused", reason)

    def failed(self, error: str) -> None:
        self._finish("failed", error)

    def keep_pending(self, detail: str) -> int:
        """Pieces OS has not settled the action yet (a slow load, a cancel not yet seen to
        work): the entry stays pending with ``detail``; ``settle`` ends it later (and may
        have already: then ``detail`` is not written). Its id."""
        self._db.execute(
            "UPDATE activity SET detail = ? WHERE id = ? AND outcome = 'pending'",
            (_clipped(detail), self._entry_id),
        )
        _written()
        self.outcome = "kept pending"
        return self._entry_id

    def _finish(self, outcome: str, detail: str | None = None) -> None:
        if self.outcome != "pending":
            return
        settle(self._db, self._entry_id, outcome, detail)
        self.outcome = outcome


def settle(db: sqlite3.Connection, entry_id: int, outcome: str, detail: str | None) -> None:
    """End a pending entry with its outcome (also from outside a request)."""
    db.execute(
        "UPDATE activity SET outcome = ?, detail = ?, finished_at = ? WHERE id = ?",
        (outcome, _clipped(detail), now(), entry_id),
    )
    _written()


@contextmanager
def attempt(
    action: str, model_id: str | None, model_name: str | None = None, *, host: str
) -> Iterator[Attempt]:
    """Log an attempt by the current user on ``host``: pending now, ``ok`` unless the block
    says otherwise (``model_id`` None: an action on no one model, e.g. unloading them all)."""
    db = get_db()
    current = Attempt(
        db,
        record(
            db,
            user=g.user.name,
            action=action,
            outcome="pending",
            model_id=model_id,
            model_name=model_name,
            host=host,
        ),
    )
    g.activity_entry = current.entry_id  # (the API answers with it)
    try:
        yield current
    except BaseException as error:
        current.failed(f"The panel stopped with an internal error ({type(error).__name__}).")
        raise
    current._finish("ok")


def recent_for_model(model_id: str, host: str, limit: int = RECENT_LIMIT) -> list[Entry]:
    rows = get_db().execute(
        "SELECT * FROM activity WHERE model_id = ? AND host = ? ORDER BY id DESC LIMIT ?",
        (model_id, host, limit),
    )
    return [Entry.from_row(row) for row in rows]


def entry_of(db: sqlite3.Connection, entry_id: int) -> Entry | None:
    row = db.execute("SELECT * FROM activity WHERE id = ?", (entry_id,)).fetchone()
    return Entry.from_row(row) if row else None


def pending_download(db: sqlite3.Connection, model_id: str, host: str) -> Entry | None:
    """The model's most recent download entry on ``host`` still pending: the download is
    running, or the panel stopped before it ended."""
    row = db.execute(
        "SELECT * FROM activity WHERE model_id = ? AND host = ? AND action = 'download'"
        " AND outcome = 'pending' ORDER BY id DESC LIMIT 1",
        (model_id, host),
    ).fetchone()
    return Entry.from_row(row) if row else None


def pending_entries(db: sqlite3.Connection, up_to: int, host: str) -> list[Entry]:
    """Every entry of ``host`` up to id ``up_to`` still pending, oldest first."""
    rows = db.execute(
        "SELECT * FROM activity WHERE outcome = 'pending' AND id <= ? AND host = ? ORDER BY id",
        (up_to, host),
    )
    return [Entry.from_row(row) for row in rows]


def last_entry_id(db: sqlite3.Connection) -> int:
    """The id of the newest entry (0 for none)."""
    return db.execute("SELECT coalesce(max(id), 0) FROM activity").fetchone()[0]


def listen(app: Flask, listener: Callable[[], None]) -> None:
    """Call ``listener`` after every request that wrote to the log (once, when it has ended,
    so that whatever it committed is visible). Writes outside requests tell no one: their
    writer (the live loop) knows."""
    if LISTENERS not in app.extensions:
        app.extensions[LISTENERS] = []
        app.teardown_request(_tell_listeners)
    app.extensions[LISTENERS].append(listener)


def _written() -> None:
    if has_app_context():
        g.activity_written = True


def _tell_listeners(_error: BaseException | None) -> None:
    if g.pop("activity_written", False):
        for listener in current_app.extensions[LISTENERS]:
            listener()


def loaded_by(model_id: str) -> str | None:
    """Who loaded the model, if it was loaded through the panel and not unloaded since (by one
    model's unload or by unloading them all); None when the log does not say. Needs an app
    context."""
    entry = last_load(model_id)
    return entry.user if entry else None


def last_load(model_id: str) -> Entry | None:
    """The entry of the load that put the model in memory, if it was loaded through the panel
    and not unloaded since (uninstalling the local runtime unloads every local model); None
    when the log does not say. Needs an app context."""
    row = (
        get_db()
        .execute(
            "SELECT * FROM activity WHERE outcome IN ('pending', 'ok') AND"
            " (model_id = ? AND action IN ('load', 'unload')"
            " OR action IN ('unload-all', 'uninstall-runtime'))"
            " ORDER BY id DESC LIMIT 1",
            (model_id,),
        )
        .fetchone()
    )
    return Entry.from_row(row) if row and row["action"] == "load" else None


def _clipped(text: str | None) -> str | None:
    return text[:MAX_DETAIL_LENGTH] if text else text
