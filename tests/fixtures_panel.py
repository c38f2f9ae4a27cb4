"""Fixtures for the panel: an app wired to the test's simulator, its test client, and an
address where nothing listens."""
import socket

import pytest

from webapp import create_app


@pytest.fixture(scope="session")
def closed_port_url() -> str:
    """A loopback address where nothing listens: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def panel_factory(simulator):
    """Build a panel app talking to this test's simulator; keyword arguments override config."""
    def build(**config):
        return create_app({
            "TESTING": True,
            "SECRET_KEY": "test-only-key",
            "PIECES_OS_URL": simulator.url,
            "PIECES_OS_READ_TIMEOUT": 5.0,
            **config,
        })
    return build


@pytest.fixture
def panel(panel_factory):
    return panel_factory()


@pytest.fixture
def client(panel):
    return panel.test_client()
