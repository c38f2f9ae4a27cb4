"""What templates are given of the live state: immutable values built by the loop, so that a
request thread can render from them while the loop goes on changing its state.

``ModelRow`` is everything one model's row or card shows; ``LiveSnapshot`` is the whole host
at one sequence number (a page rendered from it is then sent, once its socket opens, only what
changed after that number)."""

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from ..pieces.client import TimedOut, Unreachable, UpstreamError
from ..pieces.device import MemoryUse
from ..pieces.model import Model
from .endings import DownloadEnd
from .progress import DownloadProgress
from .state import HostState, Instance, Outcome, PendingLoad


class RunningDownload(NamedTuple):
    model_id: str
    name: str
    started_by: str | None


@dataclass(frozen=True)
class ModelRow:
    """One model as its row or card shows it (``model`` None: it vanished)."""

    model_id: str
    model: Model | None
    progress: DownloadProgress | None = None  # a copy, as of the snapshot
    stalled: bool = False
    cancel_ignored: bool = False
    ending: DownloadEnd | None = None
    pending_load: PendingLoad | None = None
    outcome: Outcome | None = None
    memory: MemoryUse | None = None
    runtime_problem: str | None = None
    #: Pieces OS does not answer: the row is as last heard, and no action can work.
    unreachable: bool = False

    @property
    def shortfall(self) -> int | None:
        """Bytes of RAM the model needs beyond what is left, if Load should warn."""
        if self.model is None or self.memory is None:
            return None
        return self.memory.shortfall(self.model)

    @property
    def shows_live_state(self) -> bool:
        return bool(self.progress or self.ending or self.pending_load or self.outcome)


def model_row(state: HostState, model_id: str, memory: MemoryUse | None = None) -> ModelRow:
    """The row of ``model_id`` from the loop's state (called in the loop only)."""
    progress = state.downloads.get(model_id)
    return ModelRow(
        model_id,
        state.models.get(model_id),
        copy.copy(progress) if progress else None,
        model_id in state.stalled,
        model_id in state.cancel_ignored,
        state.endings.get(model_id),
        state.loads.get(model_id),
        state.outcomes.get(model_id),
        memory if memory is not None else state.memory(),
        state.local_runtime_problem,
        is_unreachable(state.error),
    )


def is_unreachable(error: UpstreamError | None) -> bool:
    """Did Pieces OS not answer at all (rather than answer an error)?"""
    return isinstance(error, Unreachable | TimedOut)


@dataclass(frozen=True)
class LiveSnapshot:
    """The host's live state at ``seq`` of run ``run`` of the panel."""

    run: str
    seq: int
    instance: Instance
    models: tuple[Model, ...]
    listed_at: datetime | None
    error: UpstreamError | None
    downloads: tuple[RunningDownload, ...]
    memory: MemoryUse
    rows: dict[str, ModelRow]  # the models whose rows show more than the model
    online: tuple[str, ...] = ()  # the accounts with a page open, by name

    @property
    def mark(self) -> str:
        """Where this snapshot is, as a page's socket address carries it."""
        return f"{self.run}-{self.seq}"

    def row(self, model: Model | None, model_id: str | None = None) -> ModelRow:
        """The row of ``model`` as this snapshot shows it; a model fresher than the snapshot
        (just answered by Pieces OS) keeps its own values."""
        model_id = model.id if model is not None else model_id
        assert model_id is not None, "a model or its id"
        kept, runtime = self.rows.get(model_id), self.runtime_problem
        if kept is None:
            return ModelRow(
                model_id,
                model,
                memory=self.memory,
                runtime_problem=runtime,
                unreachable=self.unreachable,
            )
        return ModelRow(
            model_id,
            model,
            kept.progress,
            kept.stalled,
            kept.cancel_ignored,
            kept.ending,
            kept.pending_load,
            kept.outcome,
            self.memory,
            runtime,
            self.unreachable,
        )

    def model(self, model_id: str) -> Model | None:
        return next((model for model in self.models if model.id == model_id), None)

    @property
    def runtime_problem(self) -> str | None:
        runtime = self.instance.runtime
        return runtime.explanation if runtime else None

    @property
    def unreachable(self) -> bool:
        """Pieces OS does not answer: actions cannot work now."""
        return is_unreachable(self.error)

    @property
    def last_known(self) -> bool:
        """Pieces OS did not answer the last list: what the pages show of it is as it was at
        ``listed_at`` (None: it never listed its models), not necessarily as it is."""
        return self.error is not None


def snapshot_of(state: HostState, run: str, seq: int) -> LiveSnapshot:
    """(In the loop.) The state as a value other threads may read."""
    memory = state.memory()
    running = tuple(
        RunningDownload(
            progress.model_id, model.name if model else progress.model_id, progress.started_by
        )
        for progress in state.running()
        for model in (state.models.get(progress.model_id),)
    )
    rows = {
        model_id: model_row(state, model_id, memory)
        for model_id in {*state.downloads, *state.endings, *state.loads, *state.outcomes}
    }
    return LiveSnapshot(
        run,
        seq,
        state.instance(),
        tuple(state.models.values()),
        state.listed_at,
        state.error,
        running,
        memory,
        rows,
        online=state.online,
    )
