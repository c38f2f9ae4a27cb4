"""The live state of one Pieces OS host, as its loop (loop.py) keeps it: the models as last
heard, the downloads followed and how each last ended, loads and actions under way, and Pieces OS
itself (address, version, local runtime, machine). Plain data: only the loop changes it, so
nothing here takes a lock. ``seq`` values are the loop's sequence numbers."""

from dataclasses import dataclass, field
from datetime import datetime

from ..pieces.client import UpstreamError
from ..pieces.device import Device, MemoryUse, memory_use
from ..pieces.model import Model
from ..pieces.runtime import LocalRuntime
from ..pieces.versions import is_supported
from .endings import DownloadEnd
from .progress import DownloadProgress
from .runtime_jobs import RuntimeJob

# How long the pages say that Pieces OS moved to a new address (an event: the activity log
# keeps it).
MOVE_NOTICE_SECONDS = 600.0


@dataclass(frozen=True)
class Move:
    old_url: str
    new_url: str
    at: datetime


@dataclass(frozen=True)
class Instance:
    """Pieces OS as the pages describe it: its address, version (and whether the panel
    supports it), local runtime (and an install or update of it asked through the panel), a
    recent move, and its machine (None: not known)."""

    url: str
    version: str | None
    supported: bool | None
    runtime: LocalRuntime | None
    move: Move | None
    device: Device | None = None
    runtime_job: RuntimeJob | None = None


@dataclass(frozen=True)
class PendingLoad:
    """A load Pieces OS has not answered yet; past the panel's timeout it has a log entry,
    settled when the model is found loaded (or given up on)."""

    model_id: str
    by: str
    since: float
    entry_id: int | None = None
    checked: float = 0.0


@dataclass(frozen=True)
class Outcome:
    """How the last action on a model went, shown on its row to everybody until the next
    action or a dismiss: ``kind`` is "refused" or "failed"."""

    action: str
    by: str
    kind: str
    text: str


@dataclass
class HostState:
    url: str
    supported_versions: tuple[str, str]
    models: dict[str, Model] = field(default_factory=dict)
    #: When an answer about one model (an action's, ``GET /model/{id}``) was taken in: a list
    #: asked for before it shows that model as it was, and does not override it.
    model_seq: dict[str, int] = field(default_factory=dict)
    listed_at: datetime | None = None
    error: UpstreamError | None = None
    version: str | None = None
    runtime: LocalRuntime | None = None
    device: Device | None = None
    move: tuple[Move, float] | None = None
    runtime_job: RuntimeJob | None = None
    downloads: dict[str, DownloadProgress] = field(default_factory=dict)
    requested: set[str] = field(default_factory=set)  # started here, not heard of yet
    stalled: set[str] = field(default_factory=set)
    cancel_ignored: set[str] = field(default_factory=set)
    endings: dict[str, DownloadEnd] = field(default_factory=dict)
    ended_seq: dict[str, int] = field(default_factory=dict)  # a download last stopped here
    loads: dict[str, PendingLoad] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    online: tuple[str, ...] = ()  # the accounts with a page open (fanout.py), by name

    def instance(self) -> Instance:
        supported = is_supported(self.version, *self.supported_versions)
        move = self.move[0] if self.move is not None else None
        return Instance(
            self.url, self.version, supported, self.runtime, move, self.device, self.runtime_job
        )

    def move_notice_over(self, now: float) -> bool:
        """Has the notice of a move been shown for long enough? (The loop then clears it.)"""
        return self.move is not None and now - self.move[1] >= MOVE_NOTICE_SECONDS

    def memory(self) -> MemoryUse:
        return memory_use(self.device, list(self.models.values()))

    @property
    def local_runtime_problem(self) -> str | None:
        return self.runtime.explanation if self.runtime else None

    def running(self) -> list[DownloadProgress]:
        """Every download followed now, oldest first."""
        return sorted(self.downloads.values(), key=lambda progress: progress.started)

    def has_live_state(self, model_id: str) -> bool:
        """Does the model's row show more than the model itself?"""
        return (
            model_id in self.downloads
            or model_id in self.endings
            or model_id in self.loads
            or model_id in self.outcomes
        )
