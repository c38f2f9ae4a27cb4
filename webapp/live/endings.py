"""How a download ended, worked out from what the panel heard of it: its last status, Pieces
OS's answer afterwards and why contact was lost. The activity log records it and the model's row
says it, however it ended, until dismissed or a new download starts."""

from dataclasses import dataclass

from ..pieces.model import Model
from .progress import DownloadProgress

COMPLETED, FAILED, CANCELLED, LOST = "completed", "failed", "cancelled", "lost"
#: Said of a download that stopped without a final status, when nothing tells why.
STOPPED_WITHOUT_A_WORD = "Pieces OS stopped it without saying why (it may have restarted)"


@dataclass(frozen=True)
class DownloadEnd:
    kind: str  # COMPLETED, FAILED, CANCELLED or LOST
    text: str  # "failed at 40 %", "cancelled by olga at 12 %", "lost at 30 %: …"

    @property
    def outcome(self) -> str:
        """The log entry's outcome: ``ok`` for a completed download, ``cancelled`` for one
        stopped on purpose, ``failed`` for any other end (failed or lost)."""
        return {COMPLETED: "ok", CANCELLED: "cancelled"}.get(self.kind, "failed")

    @property
    def detail(self) -> str:
        """The log entry's detail: "Download failed at 40 %."."""
        return f"Download {self.text}."


def ending_of(progress: DownloadProgress, model: Model | None, lost_because: str) -> DownloadEnd:
    """How ``progress``'s download ended. ``model`` is Pieces OS's answer after it ended (None
    when it did not answer); ``lost_because`` is why, when neither says it ended by itself."""
    at = f"at {progress.percentage:.1f}".removesuffix(".0") + " %"
    cancelled_by = progress.cancel_requested_by
    if progress.status == "COMPLETED" or (model is not None and model.downloaded):
        return DownloadEnd(COMPLETED, "completed")
    if progress.status == "FAILED":
        return DownloadEnd(FAILED, f"failed {at}")
    if progress.status == "CANCELED" or (cancelled_by and model is not None):
        by = f"by {cancelled_by}" if cancelled_by else "outside the panel"
        return DownloadEnd(CANCELLED, f"cancelled {by} {at}")
    return DownloadEnd(LOST, f"lost {at}: {lost_because}")
