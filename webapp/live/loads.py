"""Loads that Pieces OS has not answered within the panel's load timeout: pending, not failed.
The hub checks each one now and then until the model is loaded or it gives up."""
import threading
import time
from dataclasses import dataclass, field


@dataclass
class PendingLoad:
    model_id: str
    entry_id: int  # the activity log's pending entry, settled when the load is
    by: str
    since: float = field(default_factory=time.monotonic)
    checked: float = field(default_factory=time.monotonic)

    def age(self) -> float:
        return time.monotonic() - self.since


class PendingLoads:
    """The pending loads by model id. Thread-safe."""

    def __init__(self):
        self._loads: dict[str, PendingLoad] = {}
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._loads)

    def add(self, load: PendingLoad) -> None:
        with self._lock:
            self._loads[load.model_id] = load

    def get(self, model_id: str) -> PendingLoad | None:
        with self._lock:
            return self._loads.get(model_id)

    def pop(self, model_id: str) -> PendingLoad | None:
        with self._lock:
            return self._loads.pop(model_id, None)

    def due(self, every_seconds: float) -> list[PendingLoad]:
        """The loads last checked ``every_seconds`` ago or more, marked checked now."""
        now = time.monotonic()
        with self._lock:
            due = [load for load in self._loads.values() if now - load.checked >= every_seconds]
            for load in due:
                load.checked = now
            return due
