"""The downloads of one host, as its loop follows them: one upstream progress socket per
downloading model (whatever the number of pages watching), frames turned into progress, and how
each download ended, settled in the activity log before any row says it.

Every method runs in the host's loop (``LiveHost``); the progress sockets' threads only post.
"""

import logging
from functools import partial
from typing import TYPE_CHECKING

from ..pieces.client import ModelGone, UpstreamError
from ..pieces.model import Model
from .download_starts import START_GRACE_SECONDS, DownloadStarts
from .endings import COMPLETED, STOPPED_WITHOUT_A_WORD, ending_of
from .progress import BadFrame, DownloadProgress, ProgressFrame, parse_frame
from .progress_sockets import ProgressSockets
from .relay import SocketReader

if TYPE_CHECKING:
    from .host import LiveHost

log = logging.getLogger(__name__)

# A download the panel follows but the model list says is not running is given this long to show
# up there (the list may have been fetched just before the download started).
RECONCILE_GRACE_SECONDS = 5.0
#: Who started a download the panel saw running but did not start.
OTHER_TOOL_USER = "(another tool)"


class Downloads:
    def __init__(self, host: "LiveHost"):
        self.host = host
        self.state = host.state
        self.sockets = ProgressSockets(host, self.frame)
        self.starts = DownloadStarts(self)

    # -- asked by actions ----------------------------------------------------------------------

    def watch(self, model: Model, started_by: str, entry: int) -> SocketReader:
        """A download is about to start through the panel: follow it, its socket opened first
        (the caller waits for it), and its pending log ``entry`` settled with how it ends."""
        state = self.state
        state.endings.pop(model.id, None)
        state.downloads[model.id] = DownloadProgress(
            model.id,
            size_bytes=model.size_bytes,
            started_by=started_by,
            answered=False,
            entry=entry,
            started=self.host.now(),
            last_change=self.host.now(),
        )
        state.requested.add(model.id)
        self.starts.asked(model.id)
        self.host.publish.downloads()
        self.host.publish.row(model.id)
        self.host.panel.retry_over(self.host.name, model.id)  # notices no longer offer it
        return self.sockets.ensure(model.id)

    def answered(self, model_id: str) -> None:
        """Pieces OS answered the request that started it: final statuses from now on are this
        attempt's."""
        self.starts.request_over(model_id)
        progress = self.state.downloads.get(model_id)
        if progress is not None:
            progress.answered = True

    def forget(self, model_id: str) -> None:
        """The download did not start after all (its request failed, and its log says so)."""
        self.stop_following(model_id)
        self.host.publish.downloads()
        self.host.publish.row(model_id)

    def cancel_asked(self, model_id: str, by: str) -> None:
        progress = self.state.downloads.get(model_id)
        if progress is not None:
            progress.request_cancel(by, self.host.now())
            self.host.publish.progress(model_id)

    def cancel_pending(self, model_id: str, entry_id: int) -> None:
        """Pieces OS answered the cancel still downloading: its log entry is settled when the
        download ends (or is found to go on regardless)."""
        progress = self.state.downloads.get(model_id)
        if progress is not None:
            progress.cancel_entry = entry_id

    # -- what Pieces OS says -------------------------------------------------------------------

    def model_heard(self, model: Model) -> None:
        """Pieces OS answered with ``model``: a model no longer downloading ends its download
        at once, unless the panel started it moments ago (Pieces OS may still be starting it) or
        its progress socket is connected to say how it ended. After a cancel asked here, that
        answer is the ending."""
        progress = self.state.downloads.get(model.id)
        if progress is None or model.downloading or self.starts.awaiting(model.id):
            return
        if progress.cancel_requested_by is not None or not self.sockets.connected(model.id):
            self.ended(self.stop_following(model.id), model)

    def follow(self, model: Model, asked_seq: int | None = None) -> None:
        """Take in what a list (asked for at ``asked_seq``) says of ``model``: a download seen
        running is followed and relayed, unless the list was asked for before the model's last
        download stopped here; one that ended without its socket saying so is finished."""
        state = self.state
        following = model.id in state.downloads
        stale = asked_seq is not None and asked_seq < state.ended_seq.get(model.id, -1)
        if model.downloading and not stale:
            if not following:
                self._adopt(model)
            state.requested.discard(model.id)
            self.sockets.ensure(model.id)
            return
        progress = state.downloads.get(model.id)
        if not following or model.downloading or progress is None:
            return
        grace = START_GRACE_SECONDS if model.id in state.requested else RECONCILE_GRACE_SECONDS
        if progress.age(self.host.now()) > grace or model.id not in self.sockets:
            self.finish(model.id)

    def _adopt(self, model: Model) -> None:
        """A download the panel did not start is running: its pending entry (left by a panel
        that stopped meanwhile) or a new one says who started it."""
        entry, started_by = self.host.journal.download_seen(model, OTHER_TOOL_USER)
        self.state.endings.pop(model.id, None)
        self.state.downloads[model.id] = DownloadProgress(
            model.id,
            size_bytes=model.size_bytes,
            started_by=started_by,
            entry=entry,
            started=self.host.now(),
            last_change=self.host.now(),
            rebased=True,
        )
        self.host.publish.downloads()

    def hand_over(self) -> list[DownloadProgress]:
        """(The host is moved or renamed: another loop takes its place.) Every download followed
        here, no longer followed (its entry left pending): see ``take_over``."""
        return [
            progress
            for model_id in list(self.state.downloads)
            if (progress := self.stop_following(model_id)) is not None
        ]

    def take_over(self, handed: list[DownloadProgress], lost_because: str | None) -> None:
        """The downloads the loop this one replaces followed: each is followed on if Pieces OS
        downloads it here, and ends at once (``lost_because``, unless it completed) if not."""
        for progress in handed:
            if progress.model_id in self.state.downloads:
                continue
            progress.interruption = lost_because or progress.interruption
            progress.rebase()
            self.state.downloads[progress.model_id] = progress
            self.host.spawn(
                partial(self.host.client.get_model, progress.model_id),
                partial(self._taken_over, progress),
            )
        self.host.publish.downloads()

    def _taken_over(self, progress: DownloadProgress, answer: Model | UpstreamError) -> None:
        if self.state.downloads.get(progress.model_id) is not progress:
            return  # seen ending meanwhile
        if isinstance(answer, Model):
            self.host.models.heard(answer)  # followed on if downloading, else it ended
        elif isinstance(answer, ModelGone):
            self.stop_following(progress.model_id)
            self._finished(progress, answer)
        # Otherwise Pieces OS does not answer: followed on, as any download meanwhile.

    def frame(self, model_id: str, data: str | bytes) -> None:
        """A frame of the model's progress socket."""
        try:
            frame = parse_frame(data)
        except BadFrame as error:
            log.warning("skipped a progress frame of %s: %s", model_id, error)
            return
        progress = self.state.downloads.get(model_id)
        if progress is None:
            self.sockets.stop(model_id)
            return
        if frame.is_terminal and not progress.heard:
            # Maybe left over from an earlier attempt, sent again as the socket opened.
            if not progress.answered:
                log.info("ignored %s of %s: left from an earlier attempt", frame.status, model_id)
                return
            self.host.spawn(
                lambda: self.host.client.get_model(model_id),
                lambda answer: self._final_status_checked(model_id, frame, answer),
            )
            return
        self._apply(model_id, progress, frame)

    def _final_status_checked(
        self, model_id: str, frame: ProgressFrame, answer: Model | UpstreamError
    ) -> None:
        """Pieces OS said whether the model downloads after a final status came first."""
        progress = self.state.downloads.get(model_id)
        if progress is None or isinstance(answer, UpstreamError) or answer.downloading:
            log.info("ignored %s of %s: left from an earlier attempt", frame.status, model_id)
            return
        self._apply(model_id, progress, frame)

    def _apply(self, model_id: str, progress: DownloadProgress, frame: ProgressFrame) -> None:
        progress.apply(frame, self.host.now())
        self.state.requested.discard(model_id)
        self.state.stalled.discard(model_id)
        if frame.is_terminal:
            self.finish(model_id)
        else:
            self.host.publish.progress(model_id)

    # -- endings -------------------------------------------------------------------------------

    def finish(self, model_id: str) -> None:
        """The download ended (or vanished): stop following it, then log how it ended and show
        the model as Pieces OS has it now."""
        progress = self.stop_following(model_id)
        if progress is None:
            return
        self.host.publish.downloads()
        self.host.spawn(
            lambda: self.host.client.get_model(model_id),
            lambda answer: self._finished(progress, answer),
        )

    def _finished(self, progress: DownloadProgress, answer: Model | UpstreamError) -> None:
        if isinstance(answer, UpstreamError):
            self.ended(
                progress,
                None,
                "the model vanished from Pieces OS"
                if isinstance(answer, ModelGone)
                else "Pieces OS became unreachable",
            )
            self.host.publish.row(progress.model_id)
            return
        # How it ended is taken in first: the row then shows it with the model as it is now in
        # one message (and screen readers hear of it once).
        self.ended(progress, answer, show=False)
        self.host.models.heard(answer)
        self.host.publish.row(progress.model_id)  # (unchanged if heard showed it already)

    def ended(
        self,
        progress: DownloadProgress | None,
        model: Model | None,
        lost_because: str | None = None,
        show: bool = True,
    ) -> None:
        """Settle the download's log entries (its own, and a cancel's left pending) with how it
        ended, which its row says from now on (unless another download started meanwhile);
        ``show`` it on every page now."""
        if progress is None:
            return
        self.host.publish.downloads()
        ending = ending_of(
            progress, model, lost_because or progress.interruption or STOPPED_WITHOUT_A_WORD
        )
        self.host.events.ending(progress.model_id, ending)
        journal = self.host.journal
        if progress.entry is not None:
            journal.settle(progress.entry, ending.outcome, ending.detail)
        if progress.cancel_entry is not None:
            if ending.kind == COMPLETED:
                journal.settle(
                    progress.cancel_entry,
                    "failed",
                    "Pieces OS did not stop the download: it completed.",
                )
            else:
                journal.settle(progress.cancel_entry, "ok", "Pieces OS stopped the download.")
        if progress.model_id not in self.state.downloads:
            self.state.endings[progress.model_id] = ending
        if show:
            self.host.publish.row(progress.model_id)
        self.host.notices.download_ended(progress, ending)

    # -- every second --------------------------------------------------------------------------

    def tick(self, stall_seconds: float, cancel_seconds: float) -> None:
        self.starts.tick()
        now = self.host.now()
        for model_id, progress in self.state.downloads.items():
            if model_id not in self.state.stalled and progress.is_stalled(stall_seconds, now):
                self.state.stalled.add(model_id)
                self.host.publish.progress(model_id)
            if model_id not in self.state.cancel_ignored and progress.cancel_ignored(
                cancel_seconds, now
            ):
                self.state.cancel_ignored.add(model_id)
                if progress.cancel_entry is not None:
                    self.host.journal.settle(
                        progress.cancel_entry,
                        "failed",
                        f"Pieces OS was still downloading {cancel_seconds:g} s after the cancel.",
                    )
                    progress.cancel_entry = None
                self.host.publish.progress(model_id)

    def interrupt_all(self, why: str) -> None:
        for progress in self.state.downloads.values():
            progress.interruption = why

    def stop_following(self, model_id: str) -> DownloadProgress | None:
        """No longer follow the model's download (its socket closed); what was known of it."""
        state = self.state
        progress = state.downloads.pop(model_id, None)
        if progress is not None:
            state.ended_seq[model_id] = self.host.loop.seq
        for marks in (state.requested, state.stalled, state.cancel_ignored):
            marks.discard(model_id)
        self.sockets.stop(model_id)
        self.starts.forget(model_id)
        return progress
