"""The parts of one simulator app, and how its views reach them."""

from dataclasses import dataclass

from flask import current_app

from .faults import FaultTable
from .progress import ProgressHub
from .state import ModelStore
from .stats import RequestCounter

EXTENSION_KEY = "pieces_simulator"


@dataclass
class Simulator:
    store: ModelStore
    hub: ProgressHub
    faults: FaultTable
    requests: RequestCounter

    @classmethod
    def create(cls, *, download_seconds: float, memory_gb: float, tick_seconds: float):
        hub = ProgressHub()
        faults = FaultTable()
        store = ModelStore(
            hub, faults, download_seconds=download_seconds, tick_seconds=tick_seconds,
            memory_gb=memory_gb,
        )
        return cls(store=store, hub=hub, faults=faults, requests=RequestCounter())

    def reset(self) -> None:
        """Fresh catalogue, no downloads, no faults, zero counts; open sockets stay open."""
        self.store.reset()
        self.faults.clear()
        self.requests.clear()

    def shutdown(self) -> None:
        """Stop background downloads and cut open sockets (for tests tearing a server down)."""
        self.store.stop_downloads()
        self.hub.drop_all()


def current_simulator() -> Simulator:
    return current_app.extensions[EXTENSION_KEY]
