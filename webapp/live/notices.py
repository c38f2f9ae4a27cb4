"""Telling people that work they started has ended: a download or a load they asked for
completed or failed (in the loop only).

The notice goes to every page its person has open, whatever the page and its host (their live
sockets, and theirs alone: the host it happened on hands it to every host's loop, panel.py), and
to a page of theirs that opens its socket soon after, rendered before it happened (they were
between pages). static/work_notices.js shows it, and shows it as a browser notification too if
they allowed those. A failed download's notice offers to retry it, to whoever may download on
its host.
"""

import logging
import sqlite3
from collections import deque
from contextlib import closing
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .. import db
from ..accounts.users import User, find_user
from ..pieces.model import Model
from .endings import FAILED, LOST, DownloadEnd
from .fanout import Mailbox
from .progress import DownloadProgress
from .state import Outcome

if TYPE_CHECKING:
    from .host import LiveHost

log = logging.getLogger(__name__)

#: How long a notice waits for a page of its person that was being opened, and how many wait.
KEPT_SECONDS = 60.0
KEPT_NOTICES = 100


@dataclass(frozen=True)
class WorkNotice:
    host: str  # where the work was done
    seq: int  # its loop's, when the work ended: with the host, names the notice
    account_id: int  # whose work it was
    model_id: str
    text: str  # "Download of Phi-2 failed at 40 %."
    kind: str  # "ok", "failed" or "cancelled"
    retry: bool = False  # a download that failed, and its person may download there


class Notices:
    def __init__(self, host: "LiveHost"):
        self.host = host
        #: (when, this loop's seq, notice) of the notices delivered here.
        self._kept: deque[tuple[float, int, WorkNotice]] = deque(maxlen=KEPT_NOTICES)

    def tell(self, user: str, model_id: str, text: str, kind: str, retry: bool = False) -> None:
        """``user``'s work on the model ended here: ``text`` says how. Nobody is told of work
        started outside the panel (no account has that name)."""
        account = self._account_of(user)
        if account is None:
            return
        retry = retry and account.can("act", self.host.name)
        notice = WorkNotice(
            self.host.name, self.host.loop.seq, account.id, model_id, text, kind, retry
        )
        self.host.panel.tell(notice)

    def deliver(self, notice: WorkNotice) -> None:
        """Tell the notice to the pages of its person open on this host (the fleet page's
        sockets but its first one show no header: it is told there once)."""
        self._kept.append((self.host.now(), self.host.loop.seq, notice))
        self.host.changed()  # a page rendered from now on has had it (``catch_up``)
        for mailbox in self.host.fanout.mailboxes():
            if self._is_for(mailbox, notice) and not mailbox.closing:
                mailbox.put(self._render(mailbox, notice))

    def retry_over(self, host: str, model_id: str) -> None:
        """The model's download started again on ``host`` (by a retry, in one of its person's
        windows, or anyhow): its notices here lose their retry, on every page that shows them."""
        for index, (at, seq, notice) in enumerate(self._kept):
            if notice.retry and (notice.host, notice.model_id) == (host, model_id):
                settled = replace(notice, retry=False)
                self._kept[index] = (at, seq, settled)
                for mailbox in self.host.fanout.mailboxes():
                    if self._is_for(mailbox, settled) and not mailbox.closing:
                        mailbox.put(self._render(mailbox, settled, shown=True))

    def catch_up(self, mailbox: Mailbox, since: int | None) -> None:
        """A page opened its socket: the notices of its person delivered after it was rendered
        at ``since`` (None: in an earlier run of the panel, whose notices are gone)."""
        if since is None:
            return
        now = self.host.now()
        for at, seq, notice in self._kept:
            if now - at < KEPT_SECONDS and seq > since and self._is_for(mailbox, notice):
                mailbox.put(self._render(mailbox, notice))

    @staticmethod
    def _is_for(mailbox: Mailbox, notice: WorkNotice) -> bool:
        return mailbox.account_id == notice.account_id and mailbox.page.shows_host_frame

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

    def action_failed(self, model: Model, outcome: Outcome) -> None:
        """Pieces OS failed a download or a load of ``model`` (as it was before) as it was
        asked for (the loop may not have listed the model yet)."""
        if outcome.action in ("download", "load"):
            text = f"{outcome.action.capitalize()} of {model.name} failed: {outcome.text}"
            self.tell(outcome.by, model.id, text, "failed", outcome.action == "download")

    def load_ended(self, by: str, model_id: str, failure: str | None) -> None:
        """A load ended: loaded (``failure`` None), or not, and why."""
        name = self._name(model_id)
        if failure is None:
            self.tell(by, model_id, f"Loaded {name}.", "ok")
        else:
            self.tell(by, model_id, f"Load of {name} failed: {failure}", "failed")

    def no_longer_followed(self, removed_by: str) -> None:
        """The host was removed from the panel: whoever started a download or a load still
        under way here is told that it is no longer followed (Pieces OS may go on with it)."""
        under_way = [
            ("download", progress.model_id, progress.started_by)
            for progress in self.host.state.downloads.values()
        ] + [("load", load.model_id, load.by) for load in self.host.state.loads.values()]
        for action, model_id, by in under_way:
            if by:
                text = (
                    f"{removed_by} removed the host {self.host.name} from the panel: the "
                    f"{action} of {self._name(model_id)} is no longer followed (Pieces OS may "
                    "go on with it)."
                )
                self.tell(by, model_id, text, "cancelled")

    def _name(self, model_id: str) -> str:
        model = self.host.state.models.get(model_id)
        return model.name if model is not None else model_id

    def _render(self, mailbox: Mailbox, notice: WorkNotice, shown: bool = False) -> str:
        """The notice, added to the page's; ``shown``: its buttons, in place of those it shows."""
        return self.host.fragments.work_notice(
            mailbox.page, notice, self.host.current_snapshot(), shown
        )

    def _account_of(self, user: str) -> User | None:
        try:
            with closing(db.connect(self.host.config["DATABASE"])) as connection:
                return find_user(connection, user)
        except sqlite3.Error as error:  # nobody is told, this once; the log and rows say it
            log.warning("could not tell %s how their work ended: %s", user, error)
            return None
