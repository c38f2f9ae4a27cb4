"""The downloads the live hub follows: their progress, stalls and how each last ended, and the
one upstream progress relay of each."""
import threading
import time
from collections.abc import Callable

from ..pieces.model import Model
from .endings import DownloadEnd
from .progress import DownloadProgress, ProgressFrame
from .relay import ProgressRelay

# A download the panel tracks but the model list says is not running is given this long to show
# up there (the list may have been fetched just before the download started).
RECONCILE_GRACE_SECONDS = 5.0
# A download started through the panel that neither its socket nor Pieces OS's answers show yet
# (the server may still be starting it) is followed this long before it counts as not started.
START_GRACE_SECONDS = 30.0

# What became of a frame (``DownloadTracker.apply``).
APPLIED = "applied"
# A final status that came before any frame of this attempt: maybe left over from an earlier
# attempt, re-sent when the socket opened (the hub asks Pieces OS which).
STALE = "stale"
UNTRACKED = "untracked"

#: Opens (and starts) the progress relay of a model.
RelayFactory = Callable[[str], ProgressRelay]


class DownloadTracker:
    """What is known about every running download, under one plain lock; the relays it starts
    call back into the hub, never while this lock is held."""

    def __init__(self, open_relay: RelayFactory):
        self._open_relay = open_relay
        self._downloads: dict[str, DownloadProgress] = {}
        self._requested: set[str] = set()  # started through the panel, not heard of yet
        self._stalled: set[str] = set()
        self._cancel_ignored: set[str] = set()
        self._endings: dict[str, DownloadEnd] = {}  # the last download's, until dismissed
        self._relays: dict[str, ProgressRelay] = {}
        self._ended_at: dict[str, float] = {}  # when each model's last download stopped here
        self._lock = threading.Lock()

    # -- what templates read -------------------------------------------------------------------

    def progress_of(self, model_id: str) -> DownloadProgress | None:
        with self._lock:
            return self._downloads.get(model_id)

    def ending_of(self, model_id: str) -> DownloadEnd | None:
        """How the model's last download ended, while its row should say it."""
        with self._lock:
            return self._endings.get(model_id)

    def is_stalled(self, model_id: str) -> bool:
        with self._lock:
            return model_id in self._stalled

    def cancel_was_ignored(self, model_id: str) -> bool:
        with self._lock:
            return model_id in self._cancel_ignored

    def running(self) -> list[DownloadProgress]:
        """Every download followed now, oldest first."""
        with self._lock:
            return sorted(self._downloads.values(), key=lambda progress: progress.started)

    def awaiting_start(self, model_id: str) -> bool:
        """Started through the panel moments ago, and not yet seen running nor cancelled: an
        answer saying "not downloading" does not end it."""
        with self._lock:
            progress = self._downloads.get(model_id)
            return (model_id in self._requested and progress is not None
                    and progress.cancel_requested_by is None
                    and progress.age() < START_GRACE_SECONDS)

    @property
    def relaying(self) -> bool:
        """Is any upstream progress socket open (or being opened)?"""
        with self._lock:
            return bool(self._relays)

    # -- changes -------------------------------------------------------------------------------

    def watch(self, model: Model, started_by: str | None, entry: int | None) -> ProgressRelay:
        """A download is about to start through the panel: track it, its relay open first.
        ``entry`` is its pending activity entry."""
        with self._lock:
            self._endings.pop(model.id, None)
            self._downloads[model.id] = DownloadProgress(
                model.id, size_bytes=model.size_bytes, started_by=started_by, answered=False,
                entry=entry)
            self._requested.add(model.id)
            return self._ensure_relay(model.id)

    def follow(self, model: Model, asked_at: float | None = None
               ) -> tuple[bool, DownloadProgress | None]:
        """Take in what Pieces OS says of ``model`` (in a list asked for at ``asked_at``): a
        download seen running is tracked and relayed, unless the list was asked for before the
        model's last download ended here (it showed that one). Returns whether a tracked
        download has ended without its relay noticing, and the progress of a download this call
        started tracking (one seen running elsewhere)."""
        with self._lock:
            running = model.id in self._downloads
            seen = None
            stale = asked_at is not None and asked_at < self._ended_at.get(model.id, asked_at)
            if model.downloading and not running and not stale:
                self._endings.pop(model.id, None)
                seen = self._downloads[model.id] = DownloadProgress(
                    model.id, size_bytes=model.size_bytes)
            if model.downloading and not stale:
                self._requested.discard(model.id)
                self._ensure_relay(model.id)
            progress = self._downloads.get(model.id)
            grace = START_GRACE_SECONDS if model.id in self._requested else RECONCILE_GRACE_SECONDS
            overdue = progress is not None and progress.age() > grace
            relay = self._relays.get(model.id)
            relay_alive = relay is not None and relay.alive
        return running and not model.downloading and (overdue or not relay_alive), seen

    def apply(self, model_id: str, frame: ProgressFrame, ends_this_attempt: bool = False) -> str:
        """One frame of a model's progress: ``APPLIED``, ``STALE`` (a final status before any
        frame of this attempt: maybe an earlier attempt's, re-sent when the socket opened;
        ``ends_this_attempt`` once found to be this one's), or ``UNTRACKED`` (its download is
        not followed, or no more)."""
        with self._lock:
            progress = self._downloads.get(model_id)
            if progress is None:
                return UNTRACKED
            if frame.is_terminal and not progress.heard and not ends_this_attempt:
                return STALE
            progress.apply(frame)
            self._requested.discard(model_id)
            self._stalled.discard(model_id)
            return APPLIED

    def cancel_requested(self, model_id: str) -> bool:
        """Did somebody ask, through the panel, to cancel the download running now?"""
        with self._lock:
            progress = self._downloads.get(model_id)
            return progress is not None and progress.cancel_requested_by is not None

    def final_status_expected(self, model_id: str) -> bool:
        """Is the download's progress socket connected? Then it will say how the download
        ended, better than a model's state seen first through another channel can."""
        with self._lock:
            relay = self._relays.get(model_id)
            return relay is not None and relay.alive and relay.connected.is_set()

    def awaiting_answer(self, model_id: str) -> bool:
        """Is the request that starts the download still on its way to Pieces OS?"""
        with self._lock:
            progress = self._downloads.get(model_id)
            return progress is not None and not progress.answered

    def answered(self, model_id: str) -> None:
        """Pieces OS answered the request that started the download: final statuses from now
        on are this attempt's."""
        with self._lock:
            progress = self._downloads.get(model_id)
            if progress is not None:
                progress.answered = True

    def request_cancel(self, model_id: str, by: str) -> None:
        with self._lock:
            progress = self._downloads.get(model_id)
            if progress is not None:
                progress.request_cancel(by)

    def stop_tracking(self, model_id: str) -> DownloadProgress | None:
        """The download ended (or vanished): forget its progress and stop its relay; returns
        what was known of it."""
        with self._lock:
            progress = self._downloads.pop(model_id, None)
            if progress is not None:
                self._ended_at[model_id] = time.monotonic()
            self._requested.discard(model_id)
            self._stalled.discard(model_id)
            self._cancel_ignored.discard(model_id)
            relay = self._relays.pop(model_id, None)
        if relay:
            relay.stop()
        return progress

    def interrupted(self, model_id: str, why: str) -> None:
        """Contact with the download was lost (``why``): said if it never comes back."""
        with self._lock:
            progress = self._downloads.get(model_id)
            if progress is not None and progress.interruption is None:
                progress.interruption = why

    def interrupt_all(self, why: str) -> None:
        with self._lock:
            for progress in self._downloads.values():
                progress.interruption = why

    def ended(self, model_id: str, ending: DownloadEnd) -> None:
        """The row says how the download ended, unless another one has started meanwhile."""
        with self._lock:
            if model_id not in self._downloads and ending.worth_showing:
                self._endings[model_id] = ending

    def dismiss_ending(self, model_id: str) -> None:
        with self._lock:
            self._endings.pop(model_id, None)

    def mark_stalls(self, stall_seconds: float) -> list[str]:
        """The downloads that have just gone ``stall_seconds`` without progress."""
        with self._lock:
            newly = [model_id for model_id, progress in self._downloads.items()
                     if model_id not in self._stalled and progress.is_stalled(stall_seconds)]
            self._stalled.update(newly)
            return newly

    def mark_ignored_cancels(self, grace_seconds: float) -> list[DownloadProgress]:
        """The downloads still running ``grace_seconds`` after a cancel, newly so."""
        with self._lock:
            newly = [progress for model_id, progress in self._downloads.items()
                     if model_id not in self._cancel_ignored
                     and progress.cancel_ignored(grace_seconds)]
            self._cancel_ignored.update(progress.model_id for progress in newly)
            return newly

    def stop_all(self) -> None:
        with self._lock:
            relays, self._relays = list(self._relays.values()), {}
        for relay in relays:
            relay.stop()

    def _ensure_relay(self, model_id: str) -> ProgressRelay:
        """(Under the lock.) The model's live relay, opened if there is none."""
        relay = self._relays.get(model_id)
        if relay is None or not relay.alive:
            relay = self._relays[model_id] = self._open_relay(model_id)
        return relay
