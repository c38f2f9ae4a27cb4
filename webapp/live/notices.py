"""Telling people that work they started has ended: a download or a load they asked for
completed or failed (in the loop only).

The notice goes to every page its person has open, whatever the page (their live sockets, and
theirs alone: fanout.py), and to a page of theirs that opens its socket soon after, rendered
before it happened (they were between pages). static/work_notices.js shows it, and shows it as
a browser notification too if they allowed those. A failed download's notice offers to retry
it, to whoever may download.
"""

import sqlite3
from collections import deque
from contextlib import closing
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import db
from ..accounts.users import find_user
from ..pieces.model import Model
from .endings import FAILED, LOST, DownloadEnd
from .fanout import Mailbox
from .progress import DownloadProgress
from .state import Outcome

if TYPE_CHECKING:
    from .host import LiveHost

#: How long a notice waits for a page of its person that was being opened, and how many wait.
KEPT_SECONDS = 60.0
KEPT_NOTICES = 100


@dataclass(frozen=True)
class WorkNotice:
    seq: int  # the loop's, when the work ended: names the notice, orders it
    account_id: int  # whose work it was
    model_id: str
    text: str  # "Download of Phi-2 failed at 40 %."
    kind: str  # "ok", "failed" or "cancelled"
    retry: bool = False  # a download that failed: it may be started again


class Notices:
    def __init__(self, host: "LiveHost"):
        self.host = host
        self._kept: deque[tuple[float, WorkNotice]] = deque(maxlen=KEPT_NOTICES)

    def tell(self, user: str, model_id: str, text: str, kind: str, retry: bool = False) -> None:
        """``user``'s work on the model ended: ``text`` says how. Nobody is told of work started
        outside the panel (no account has that name)."""
        account_id = self._account_of(user)
        if account_id is None:
            return
        notice = WorkNotice(self.host.loop.seq, account_id, model_id, text, kind, retry)
        self._kept.append((self.host.now(), notice))
        for mailbox in self.host.fanout.mailboxes():
            if mailbox.account_id == account_id and not mailbox.closing:
                mailbox.put(self._render(mailbox, notice))

    def catch_up(self, mailbox: Mailbox, since: int | None) -> None:
        """A page opened its socket: the notices of its person sent after it was rendered at
        ``since`` (None: in an earlier run of the panel, whose notices are gone)."""
        if since is None:
            return
        now = self.host.now()
        for at, notice in self._kept:
            fresh = now - at < KEPT_SECONDS and notice.seq > since
            if fresh and notice.account_id == mailbox.account_id:
                mailbox.put(self._render(mailbox, notice))

    # -- what each ending says ------------------------------------------------------------------

    def download_ended(self, progress: DownloadProgress, ending: DownloadEnd) -> None:
        """ "Download of Phi-2 failed at 40 %." (with a retry, when it failed or was lost)."""
        if progress.started_by:
            name = self._name(progress.model_id)
            retry = ending.kind in (FAILED, LOST)
            text = f"Download of {name} {ending.text}."
            self.tell(progress.started_by, progress.model_id, text, ending.outcome, retry)

    def already_downloaded(self, progress: DownloadProgress, model: Model) -> None:
        if progress.started_by:
            text = f"{model.name}: Pieces OS already had its files; nothing was downloaded."
            self.tell(progress.started_by, model.id, text, "ok")

    def action_failed(self, model_id: str, outcome: Outcome) -> None:
        """Pieces OS failed a download or a load as it was asked for."""
        if outcome.action in ("download", "load"):
            text = f"{outcome.action.capitalize()} of {self._name(model_id)} failed: {outcome.text}"
            self.tell(outcome.by, model_id, text, "failed", outcome.action == "download")

    def load_ended(self, by: str, model_id: str, failure: str | None) -> None:
        """A load ended: loaded (``failure`` None), or not, and why."""
        name = self._name(model_id)
        if failure is None:
            self.tell(by, model_id, f"Loaded {name}.", "ok")
        else:
            self.tell(by, model_id, f"Load of {name} failed: {failure}", "failed")

    def _name(self, model_id: str) -> str:
        model = self.host.state.models.get(model_id)
        return model.name if model is not None else model_id

    def _render(self, mailbox: Mailbox, notice: WorkNotice) -> str:
        return self.host.fragments.work_notice(mailbox.page, notice, self.host.current_snapshot())

    def _account_of(self, user: str) -> int | None:
        try:
            with closing(db.connect(self.host.config["DATABASE"])) as connection:
                account = find_user(connection, user)
        except sqlite3.Error:  # nobody is told, this once; the log and the rows say it still
            return None
        return account.id if account is not None else None
