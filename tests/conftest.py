"""Shared fixtures. Simulator: `simulator` (a fresh one per test), `simulator_factory`."""

import json
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
import websocket

from tests.support.restartable_server import RestartableServer
from tests.support.servers import wait_until
from webapp.simulator import announce_port, create_simulator_app

pytest_plugins = ["tests.support.panel_fixtures"]

#: The fixtures that serve something on loopback: a simulator (and the panels built on one), a
#: stub upstream, gunicorn, a `python -m webapp` process.
SERVING_FIXTURES = {"simulator", "simulator_factory", "stub_client", "gunicorn_url", "command"}
BROWSER_TESTS = Path(__file__).parent / "browser"
LIVE_TESTS = Path(__file__).parent / "live"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test's tier (pyproject.toml's markers): browser tests are those of tests/browser;
    integration tests serve something on loopback (a serving fixture, or a test that says so
    with ``pytest.mark.integration``); the rest are unit tests.

    Run in parallel (pytest-xdist, ``--dist loadgroup``), the browser tests share one worker,
    and so do the live tests: each group measures real time (a page's progress, a socket's
    silence) and runs one test at a time, next to the other workers' tests."""
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))
            continue
        if item.path.is_relative_to(LIVE_TESTS):
            item.add_marker(pytest.mark.xdist_group("live"))
        if SERVING_FIXTURES & set(getattr(item, "fixturenames", ())) or item.get_closest_marker(
            "integration"
        ):
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)


TERMINAL_STATUSES = {"COMPLETED", "FAILED", "CANCELED"}
#: Downloads fast enough for tests, still in ~20 steps like a real one.
FAST_DOWNLOAD = {"download_seconds": 0.6, "tick_seconds": 0.03}


class ProgressSocket:
    """A real WebSocket client on a model's download-progress socket (or any pushed stream)."""

    def __init__(self, url: str):
        self.connection = websocket.create_connection(url, timeout=5)

    def next_text(self) -> str:
        return self.connection.recv()

    def next_frame(self) -> dict:
        return json.loads(self.next_text())

    def frames_until_terminal(self) -> list[dict]:
        """Every frame up to and including COMPLETED, FAILED or CANCELED."""
        frames = [self.next_frame()]
        while frames[-1].get("status") not in TERMINAL_STATUSES:
            frames.append(self.next_frame())
        return frames

    def close(self) -> None:
        self.connection.close()


class RunningSimulator:
    """A simulator app served on loopback, with helpers to drive and observe it."""

    def __init__(self, **options):
        self.app = create_simulator_app(**{**FAST_DOWNLOAD, **options})
        self.state = self.app.extensions["pieces_simulator"]
        self._server = RestartableServer(self.app)
        self.url = self._server.url
        announce_port(self.app, self._server.port)
        self._sockets: list[ProgressSocket] = []

    def restart_on_another_port(self) -> None:
        """Serve the same app and state on another free loopback port, then stop the old
        server and cut its connections, as Pieces OS ending and starting again would."""
        old_server, self._server = self._server, RestartableServer(self.app)
        old_server.kill()
        self.url = self._server.url
        announce_port(self.app, self._server.port)

    def stop_answering(self) -> None:
        """Stop listening and cut every connection, as a Pieces OS that stopped (its state is
        kept: `answer_again` brings it back as it was)."""
        self._server.kill()

    def answer_again(self) -> None:
        """Listen again on the same port, with the same state."""
        self._server = self._server.restart(self.app)

    #: `simulator.wait_until(condition, what=...)`: poll until the condition holds.
    wait_until = staticmethod(wait_until)

    def control(self, method: str, path: str, body=None) -> requests.Response:
        return requests.request(method, f"{self.url}/__sim/{path}", json=body, timeout=5)

    def stats(self) -> dict:
        return self.control("GET", "stats").json()

    def open_sockets(self, model_id: str) -> int:
        return self.stats()["progress_sockets"].get(model_id, 0)

    def open_progress(self, model_id: str) -> ProgressSocket:
        """Connect and wait until the simulator has registered the socket (no frame missed)."""
        before = self.open_sockets(model_id)
        progress = ProgressSocket(self.progress_url(model_id))
        self._sockets.append(progress)
        wait_until(lambda: self.open_sockets(model_id) > before, "socket registration")
        return progress

    def progress_url(self, model_id: str) -> str:
        segment = quote(model_id, safe="")  # any id, as one path segment
        return self.url.replace("http://", "ws://") + f"/model/{segment}/download/progress"

    def open_stream(self, path: str, name: str) -> ProgressSocket:
        """Connect to the pushed stream at `path` (registered in stats as `name`) and wait until
        the simulator has registered it."""
        before = self.stats()["stream_sockets"].get(name, 0)
        stream = ProgressSocket(self.url.replace("http://", "ws://") + path)
        self._sockets.append(stream)
        wait_until(
            lambda: self.stats()["stream_sockets"].get(name, 0) > before, "stream registration"
        )
        return stream

    def stop(self) -> None:
        for progress in self._sockets:
            progress.close()
        self.state.shutdown()
        self._server.kill()


@pytest.fixture
def simulator_factory():
    """Build simulators with custom options: `simulator_factory(memory_gb=8)`."""
    started: list[RunningSimulator] = []

    def start(**options) -> RunningSimulator:
        started.append(RunningSimulator(**options))
        return started[-1]

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def simulator(simulator_factory) -> RunningSimulator:
    """A fresh simulator on loopback with 0.6 s downloads and a 16 GB memory budget."""
    return simulator_factory()
