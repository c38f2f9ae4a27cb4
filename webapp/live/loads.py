"""Loads under way: every page shows them while Pieces OS works. One that Pieces OS has not
answered within the panel's load timeout is pending, not failed: the hub checks it now and then
until the model is loaded or it gives up."""
import threading
import time
from dataclasses import dataclass, field


@dataclass
class PendingLoad:
    model_id: str
    by: str
    entry_id: int | None = None  # past the timeout: the log's entry, settled with the load
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
        """Is a load past its timeout being checked on?"""
        with self._lock:
            return any(load.entry_id is not None for load in self._loads.values())

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
        """The loads past their timeout last checked ``every_seconds`` ago or more, marked
        checked now (the others are awaited by their own request)."""
        now = time.monotonic()
        with self._lock:
            due = [load for load in self._loads.values()
                   if load.entry_id is not None and now - load.checked >= every_seconds]
            for load in due:
                load.checked = now
            return due
