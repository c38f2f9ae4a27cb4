"""The activity log as the live loop writes it: outside any request (how downloads and loads
ended, a Pieces OS that moved, what an earlier run of the panel left pending), each write
followed by ``on_written`` so that the pages showing the log learn of it."""

import sqlite3
from collections.abc import Callable, Mapping
from contextlib import closing
from typing import TypeVar

from .. import db
from ..activity import log as activity_log
from ..pieces.model import Model

T = TypeVar("T")

#: The name under which the panel itself writes to the activity log.
PANEL_USER = "(panel)"


#: Actions whose entries stay pending while the panel follows them (a runtime install or update
#: too); one an earlier run left pending without a trace in Pieces OS has an unknown outcome.
FOLLOWED_ACTIONS = ("download", "load", "cancel", "install-runtime", "update-runtime")


class Journal:
    def __init__(self, database: str, host: str, on_written: Callable[[], None]):
        self.database = database
        self.host = host
        self.on_written = on_written
        with closing(db.connect(database)) as connection:
            #: The newest entry when this run of the panel began: those after are its own.
            self.run_began_after = activity_log.last_entry_id(connection)

    def record(self, action: str, outcome: str, detail: str) -> None:
        self._write(
            lambda connection: activity_log.record(
                connection,
                user=PANEL_USER,
                action=action,
                outcome=outcome,
                detail=detail,
                host=self.host,
            )
        )

    def settle(self, entry_id: int, outcome: str, detail: str) -> None:
        self._write(lambda connection: activity_log.settle(connection, entry_id, outcome, detail))

    def download_seen(self, model: Model, other_tool: str) -> tuple[int, str]:
        """A download the panel did not start runs: its pending entry (left by a panel that
        stopped meanwhile) or a new one; returns the entry and who started it."""

        def write(connection: sqlite3.Connection) -> tuple[int, str]:
            pending = activity_log.pending_download(connection, model.id, self.host)
            if pending is not None:
                return pending.id, pending.user
            return activity_log.record(
                connection,
                user=other_tool,
                action="download",
                outcome="pending",
                model_id=model.id,
                model_name=model.name,
                detail="Seen downloading: started outside the panel.",
                host=self.host,
            ), other_tool

        return self._write(write)

    def settle_earlier_run(self, models: Mapping[str, Model], followed: set[str]) -> None:
        """Settle the entries an earlier run of the panel left pending (it stopped meanwhile)
        from what Pieces OS says now (``models``), or mark them unknown with the reason; never
        one of this run's, nor one of a model whose download or load is ``followed`` now."""
        with closing(db.connect(self.database)) as connection:
            entries = activity_log.pending_entries(
                connection, up_to=self.run_began_after, host=self.host
            )
        for entry in entries:
            model = models.get(entry.model_id or "")
            if entry.model_id in followed:
                continue
            if entry.action == "download" and model is not None and model.downloaded:
                self.settle(
                    entry.id,
                    "ok",
                    "Pieces OS has the model: the download completed while the panel was stopped.",
                )
            elif entry.action == "load" and model is not None and model.loaded:
                self.settle(
                    entry.id, "ok", "Pieces OS loaded the model while the panel was stopped."
                )
            elif entry.action in FOLLOWED_ACTIONS:
                self.settle(
                    entry.id,
                    "failed",
                    "Outcome unknown: the panel stopped following it (it stopped, or the "
                    "host's address changed) before Pieces OS answered, and Pieces OS does "
                    "not say.",
                )

    def _write(self, write: Callable[[sqlite3.Connection], T]) -> T:
        with closing(db.connect(self.database)) as connection:
            written = write(connection)
        self.on_written()
        return written
