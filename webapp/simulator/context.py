"""The parts of one simulator app, and how its views reach them."""

from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from .behaviour import Behaviour, BehaviourSwitches
from .device import device_information
from .faults import FaultTable
from .identifiers import ChangeFeed
from .ollama import Ollama
from .port_file import write_port_file
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
    behaviour: BehaviourSwitches
    ollama: Ollama
    #: The other pushed streams (Ollama status, model identifiers), keyed by stream name.
    streams: ProgressHub
    changes: ChangeFeed
    device: dict
    port_file: Path | None = None

    @classmethod
    def create(
        cls,
        *,
        download_seconds: float,
        memory_gb: float,
        tick_seconds: float,
        behaviour: Behaviour,
        ollama: str,
        gpus: tuple,
        port_file: Path | None,
    ) -> "Simulator":
        hub, streams, faults = ProgressHub(), ProgressHub(), FaultTable()
        switches = BehaviourSwitches(behaviour)
        changes = ChangeFeed(streams)
        ollama_state = Ollama(
            streams, ollama, deploy_seconds=download_seconds, tick_seconds=tick_seconds
        )
        store = ModelStore(
            hub,
            faults,
            switches,
            ollama_state,
            changes,
            download_seconds=download_seconds,
            tick_seconds=tick_seconds,
            memory_gb=memory_gb,
        )
        return cls(
            store=store,
            hub=hub,
            faults=faults,
            requests=RequestCounter(),
            behaviour=switches,
            ollama=ollama_state,
            streams=streams,
            changes=changes,
            device=device_information(memory_gb, gpus),
            port_file=port_file,
        )

    def announce_port(self, port: int) -> None:
        """Called by whatever serves the app once it listens on `port` (again)."""
        if self.port_file is not None:
            write_port_file(self.port_file, port)

    def reset(self) -> None:
        """Fresh catalogue, no downloads, no faults, zero counts, the behaviour and Ollama state
        the app started with; open sockets stay open."""
        self.store.reset()
        self.faults.clear()
        self.requests.clear()
        self.behaviour.reset()
        self.ollama.reset()

    def shutdown(self) -> None:
        """Stop background downloads and cut open sockets (for tests tearing a server down)."""
        self.store.stop_downloads()
        self.ollama.stop()
        self.hub.drop_all()
        self.streams.drop_all()


def simulator_of(app: Flask) -> Simulator:
    return app.extensions[EXTENSION_KEY]


def current_simulator() -> Simulator:
    return simulator_of(current_app)
