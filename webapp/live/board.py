"""What the live hub last heard from Pieces OS: its models, whether it answered, its version
and local runtime, and where it moved to when it restarted on another port."""
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from ..pieces.client import UpstreamError
from ..pieces.device import Device
from ..pieces.model import Model
from ..pieces.runtime import LocalRuntime
from ..pieces.versions import is_supported

# How long the pages say that Pieces OS moved to a new address.
MOVE_NOTICE_SECONDS = 600.0


@dataclass(frozen=True)
class Move:
    old_url: str
    new_url: str
    at: datetime


@dataclass(frozen=True)
class Instance:
    """Pieces OS as the pages describe it: its address, version (and whether the panel
    supports it), local runtime, and a recent move, if any."""

    url: str
    version: str | None
    supported: bool | None
    runtime: LocalRuntime | None
    move: Move | None
    device: Device | None = None  # None: not asked yet, or Pieces OS did not answer


class Observation(NamedTuple):
    """What a fresh model list told: every model as now known, those that changed, ids gone."""

    current: list[Model]
    changed: list[Model]
    gone: set[str]


class ModelBoard:
    """The newest ``Model`` of every id, when an action last changed each, when Pieces OS last
    listed them (``listed_at``, shown with the list while it cannot be reached) and the error
    of the last attempt to reach it (None when it answered). Thread-safe."""

    def __init__(self, supported_versions: tuple[str, str]):
        self._models: dict[str, Model] = {}
        self._changed_at: dict[str, float] = {}
        self._error: UpstreamError | None = None
        self._supported_versions = supported_versions
        self._version: str | None = None
        self._runtime: LocalRuntime | None = None
        self._move: tuple[Move, float] | None = None
        self._device: Device | None = None
        self.listed_at: datetime | None = None
        self._lock = threading.Lock()

    @property
    def known(self) -> bool:
        with self._lock:
            return bool(self._models)

    @property
    def error(self) -> UpstreamError | None:
        return self._error

    def get(self, model_id: str) -> Model | None:
        with self._lock:
            return self._models.get(model_id)

    def all(self) -> list[Model]:
        with self._lock:
            return list(self._models.values())

    def put(self, model: Model, asked_at: float | None = None) -> bool:
        """Pieces OS just answered with ``model`` (after an action, or asked directly at
        ``asked_at``); False, and nothing kept, when an answer asked later is already known."""
        with self._lock:
            if asked_at is not None and self._changed_at.get(model.id, 0.0) > asked_at:
                return False
            self._models[model.id] = model
            self._changed_at[model.id] = time.monotonic() if asked_at is None else asked_at
            return True

    def observe(self, models: list[Model], asked_at: float) -> Observation:
        """Take a fresh ``GET /models`` in.

        A model an action changed after ``asked_at`` keeps the action's answer: the list was
        read before it and would show the model as it was.
        """
        with self._lock:
            current = {model.id: model for model in models}
            for model_id, changed_at in self._changed_at.items():
                if changed_at > asked_at and model_id in current and model_id in self._models:
                    current[model_id] = self._models[model_id]
            changed = [model for model in current.values()
                       if model.id not in self._models or self._models[model.id].raw != model.raw]
            gone = set(self._models) - set(current)
            self._models = current
            self.listed_at = datetime.now(UTC)
            return Observation(list(current.values()), changed, gone)

    def set_error(self, error: UpstreamError | None) -> bool:
        """Remember whether Pieces OS answered; True when that is news."""
        with self._lock:
            if str(error) == str(self._error):
                return False
            self._error = error
            return True

    def instance(self, url: str) -> Instance:
        """Pieces OS at ``url`` as last heard of."""
        with self._lock:
            move = self._move
            recent = move is not None and time.monotonic() - move[1] < MOVE_NOTICE_SECONDS
            return Instance(url, self._version, is_supported(self._version,
                                                             *self._supported_versions),
                            self._runtime, move[0] if recent else None, self._device)

    def set_instance(self, version: str | None, runtime: LocalRuntime | None) -> bool:
        """Remember the version and runtime Pieces OS reported; True when that is news."""
        with self._lock:
            news = (version, runtime) != (self._version, self._runtime)
            self._version, self._runtime = version, runtime
            return news

    def set_device(self, device: Device | None) -> bool:
        """Remember the machine Pieces OS described; True when that is news."""
        with self._lock:
            news = device != self._device
            self._device = device
            return news

    def moved(self, old_url: str, new_url: str) -> None:
        """Pieces OS now answers at ``new_url``: what it said of itself may have changed too."""
        with self._lock:
            self._move = (Move(old_url, new_url, datetime.now(UTC)), time.monotonic())
            self._version = self._runtime = None
