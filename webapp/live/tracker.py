"""The downloads the live hub follows: their progress, stalls and failures, and the one upstream
progress relay of each."""
import threading
from collections.abc import Callable

from ..pieces.model import Model
from .progress import DownloadProgress, ProgressFrame
from .relay import ProgressRelay

# A download the panel tracks but the model list says is not running is given this long to show
# up there (the list may have been fetched just before the download started).
RECONCILE_GRACE_SECONDS = 5.0
# A download started through the panel that neither its socket nor Pieces OS's answers show yet
# (the server may still be starting it) is followed this long before it counts as not started.
START_GRACE_SECONDS = 30.0
FAILED_MESSAGE = "The download failed in Pieces OS."

# What became of a frame (``DownloadTracker.apply``).
APPLIED = "applied"
# A final status that came before this attempt was heard of and before Pieces OS answered its
# request: left over from an earlier attempt, re-sent when the socket opened.
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
        self._failures: dict[str, str] = {}
        self._relays: dict[str, ProgressRelay] = {}
        self._lock = threading.Lock()

    # -- what templates read -------------------------------------------------------------------

    def progress_of(self, model_id: str) -> DownloadProgress | None:
        with self._lock:
            return self._downloads.get(model_id)

    def failure_of(self, model_id: str) -> str | None:
        with self._lock:
            return self._failures.get(model_id)

    def is_stalled(self, model_id: str) -> bool:
        with self._lock:
            return model_id in self._stalled

    def cancel_was_ignored(self, model_id: str) -> bool:
        with self._lock:
            return model_id in self._cancel_ignored

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

    def watch(self, model: Model, started_by: str | None) -> ProgressRelay:
        """A download is about to start through the panel: track it, its relay open first."""
        with self._lock:
            self._failures.pop(model.id, None)
            self._downloads[model.id] = DownloadProgress(
                model.id, size_bytes=model.size_bytes, started_by=started_by, answered=False)
            self._requested.add(model.id)
            return self._ensure_relay(model.id)

    def follow(self, model: Model) -> bool:
        """Take in what Pieces OS says of ``model``: a download seen running is tracked and
        relayed. True when a tracked download has ended without its relay noticing."""
        with self._lock:
            running = model.id in self._downloads
            if model.downloading and not running:
                self._downloads[model.id] = DownloadProgress(model.id, size_bytes=model.size_bytes)
            if model.downloading:
                self._requested.discard(model.id)
                self._ensure_relay(model.id)
            progress = self._downloads.get(model.id)
            grace = START_GRACE_SECONDS if model.id in self._requested else RECONCILE_GRACE_SECONDS
            overdue = progress is not None and progress.age() > grace
            relay = self._relays.get(model.id)
            relay_alive = relay is not None and relay.alive
        return running and not model.downloading and (overdue or not relay_alive)

    def apply(self, model_id: str, frame: ProgressFrame) -> str:
        """One frame of a model's progress: ``APPLIED``, ``STALE`` (see above), or ``UNTRACKED``
        (its download is not followed, or no more)."""
        with self._lock:
            progress = self._downloads.get(model_id)
            if progress is None:
                return UNTRACKED
            if frame.is_terminal and not progress.heard and not progress.answered:
                return STALE
            progress.apply(frame)
            self._requested.discard(model_id)
            self._stalled.discard(model_id)
            if frame.status == "FAILED":
                self._failures[model_id] = FAILED_MESSAGE
            return APPLIED

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
            self._requested.discard(model_id)
            self._stalled.discard(model_id)
            self._cancel_ignored.discard(model_id)
            relay = self._relays.pop(model_id, None)
        if relay:
            relay.stop()
        return progress

    def dismiss_failure(self, model_id: str) -> None:
        with self._lock:
            self._failures.pop(model_id, None)

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
