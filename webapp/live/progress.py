"""Download progress as the panel tracks it: frames from Pieces OS, rate, ETA and stalls.

Pieces OS sends only a status and a percentage; the rate and ETA are estimated from how fast the
percentage moves, times the model's size, smoothed so that one jumpy frame does not swing them.
"""
import json
import time
from dataclasses import dataclass, field

STATUSES = ("UNKNOWN", "INITIALIZED", "IN-PROGRESS", "COMPLETED", "FAILED", "CANCELED", "RESET")
TERMINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELED"})
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


def parse_frame(data: str | bytes) -> ProgressFrame:
    """Decode one frame of the progress socket; out-of-range percentages are clamped."""
    if not isinstance(data, str):
        raise BadFrame("binary frame")
    try:
        payload = json.loads(data)
    except ValueError:
        raise BadFrame(f"not JSON: {data[:80]!r}") from None
    if not isinstance(payload, dict):
        raise BadFrame(f"not a JSON object: {data[:80]!r}")
    status = payload.get("status")
    if status is not None and status not in STATUSES:
        raise BadFrame(f"unknown status {str(status)[:40]!r}")
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

    def apply(self, frame: ProgressFrame, now: float | None = None) -> None:
        """Take a frame in; only a new status or a higher percentage counts as progress."""
        now = time.monotonic() if now is None else now
        moved = frame.percentage is not None and frame.percentage > self.percentage
        if moved:
            self._measure_rate(frame.percentage - self.percentage, now - self.last_change)
            self.percentage = frame.percentage
        if frame.status and frame.status != self.status:
            self.status = frame.status
            moved = True
        if moved:
            self.last_change = now

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

    def age(self) -> float:
        return time.monotonic() - self.started

    def is_stalled(self, stall_seconds: float, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return now - self.last_change >= stall_seconds
