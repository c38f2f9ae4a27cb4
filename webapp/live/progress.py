"""Download progress as the panel tracks it: frames from Pieces OS, rate, ETA and stalls.

Pieces OS sends only a status and a percentage; the rate and ETA are estimated from how fast the
percentage moves, times the model's size, smoothed so that one jumpy frame does not swing them.
"""

import json
import time
from dataclasses import dataclass, field

STATUSES = ("UNKNOWN", "INITIALIZED", "IN-PROGRESS", "COMPLETED", "FAILED", "CANCELED", "RESET")
TERMINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELED"})
#: A new attempt begins with these (the server restarts a failed download from 0 %).
FRESH_START_STATUSES = frozenset({"INITIALIZED", "RESET"})
MAX_STATUS_LENGTH = 40
# Percentages that fall by more than this are a restart of the download, not jitter.
RESTART_DROP_PERCENT = 1.0
# Weight of the newest rate sample in the moving average (0 < weight <= 1).
RATE_SMOOTHING = 0.3


class BadFrame(ValueError):
    """A progress frame the relay skips; the message says why, for the log."""


@dataclass(frozen=True)
class ProgressFrame:
    status: str | None
    percentage: float | None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def is_known(self) -> bool:
        return self.status is None or self.status in STATUSES


def parse_frame(data: str | bytes) -> ProgressFrame:
    """Decode one frame of the progress socket; out-of-range percentages are clamped, and a
    status the panel does not know is kept as sent (the percentage still counts), as the
    official SDK reads it as UNKNOWN without dropping the frame."""
    if not isinstance(data, str):
        raise BadFrame("binary frame")
    try:
        payload = json.loads(data)
    except ValueError:
        raise BadFrame(f"not JSON: {data[:80]!r}") from None
    if not isinstance(payload, dict):
        raise BadFrame(f"not a JSON object: {data[:80]!r}")
    status = payload.get("status")
    if status is not None:
        status = status[:MAX_STATUS_LENGTH] if isinstance(status, str) else "UNKNOWN"
    percentage = payload.get("percentage")
    if percentage is not None:
        if isinstance(percentage, bool) or not isinstance(percentage, (int, float)):
            raise BadFrame(f"percentage is not a number: {str(percentage)[:40]!r}")
        percentage = min(100.0, max(0.0, float(percentage)))
    if status is None and percentage is None:
        raise BadFrame("frame carries neither status nor percentage")
    return ProgressFrame(status, percentage)


@dataclass
class DownloadProgress:
    """What is known about one running download."""

    model_id: str
    size_bytes: int | None = None
    started_by: str | None = None
    status: str = "INITIALIZED"
    percentage: float = 0.0
    bytes_per_second: float | None = None
    last_change: float = field(default_factory=time.monotonic)
    started: float = field(default_factory=time.monotonic)
    #: A frame of this attempt arrived (not only a status left over from an earlier one).
    heard: bool = False
    #: Pieces OS has answered the request that started it (False while it is on its way).
    answered: bool = True
    restarts: int = 0
    cancel_requested_by: str | None = None
    cancel_requested_at: float | None = None
    cancel_entry: int | None = None  # the cancel's pending activity entry
    entry: int | None = None  # the download's own pending activity entry, settled when it ends
    #: Why contact was lost meanwhile (Pieces OS unreachable or restarted), if it was.
    interruption: str | None = None
    #: The next frame only sets where the download is: the time since the last one spans a gap
    #: (a socket that reconnected, a panel that restarted), and no rate is measured across it.
    rebased: bool = False

    def apply(self, frame: ProgressFrame, now: float | None = None) -> None:
        """Take a frame in; only a new status or a higher percentage counts as progress, and a
        fresh start or a falling percentage after some progress is a restart."""
        now = time.monotonic() if now is None else now
        if not frame.is_terminal:
            self.heard = True
        if self.rebased and frame.percentage is not None:
            self.rebased = False
            self.bytes_per_second = None
            self.last_change = now
            if frame.percentage >= self.percentage - RESTART_DROP_PERCENT:
                self.percentage = max(self.percentage, frame.percentage)
        if self._restarts_with(frame):
            self.restarts += 1
            self.percentage = 0.0
            self.bytes_per_second = None
            self.last_change = now
        moved = False
        if frame.percentage is not None and frame.percentage > self.percentage:
            self._measure_rate(frame.percentage - self.percentage, now - self.last_change)
            self.percentage = frame.percentage
            moved = True
        if frame.status and frame.status != self.status:
            self.status = frame.status
            moved = True
        if moved:
            self.last_change = now

    def _restarts_with(self, frame: ProgressFrame) -> bool:
        if self.percentage <= 0:
            return False
        return frame.status in FRESH_START_STATUSES or (
            frame.percentage is not None
            and frame.percentage < self.percentage - RESTART_DROP_PERCENT
        )

    def rebase(self) -> None:
        """Contact was lost and is back: see ``rebased``."""
        self.rebased = True

    def request_cancel(self, by: str, now: float) -> None:
        self.cancel_requested_by = by
        self.cancel_requested_at = now

    def cancel_ignored(self, grace_seconds: float, now: float | None = None) -> bool:
        """A cancel was asked for ``grace_seconds`` ago and the download still runs."""
        now = time.monotonic() if now is None else now
        return (
            self.cancel_requested_at is not None and now - self.cancel_requested_at >= grace_seconds
        )

    @property
    def status_shown(self) -> str | None:
        """A status worth showing as sent: one the panel does not know."""
        return None if ProgressFrame(self.status, None).is_known else self.status

    def _measure_rate(self, gained_percent: float, elapsed: float) -> None:
        if not self.size_bytes or elapsed <= 0:
            return
        sample = gained_percent / 100 * self.size_bytes / elapsed
        if self.bytes_per_second is None:
            self.bytes_per_second = sample
        else:
            self.bytes_per_second += RATE_SMOOTHING * (sample - self.bytes_per_second)

    @property
    def eta_seconds(self) -> float | None:
        if not self.bytes_per_second or not self.size_bytes:
            return None
        remaining = (100 - self.percentage) / 100 * self.size_bytes
        return remaining / self.bytes_per_second

    def age(self, now: float) -> float:
        return now - self.started

    def is_stalled(self, stall_seconds: float, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return now - self.last_change >= stall_seconds
