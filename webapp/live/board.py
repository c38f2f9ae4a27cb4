"""The models as the live hub last heard of them from Pieces OS, and whether it answered."""
import threading
import time
from datetime import UTC, datetime
from typing import NamedTuple

from ..pieces.client import UpstreamError
from ..pieces.model import Model


class Observation(NamedTuple):
    """What a fresh model list told: every model as now known, those that changed, ids gone."""

    current: list[Model]
    changed: list[Model]
    gone: set[str]


class ModelBoard:
    """The newest ``Model`` of every id, when an action last changed each, when Pieces OS last
    listed them (``listed_at``, shown with the list while it cannot be reached) and the error
    of the last attempt to reach it (None when it answered). Thread-safe."""

    def __init__(self):
        self._models: dict[str, Model] = {}
        self._changed_at: dict[str, float] = {}
        self._error: UpstreamError | None = None
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

    def put(self, model: Model) -> None:
        """Pieces OS just answered with ``model`` (after an action, or asked directly)."""
        with self._lock:
            self._models[model.id] = model
            self._changed_at[model.id] = time.monotonic()

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
