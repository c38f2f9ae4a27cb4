"""Fixtures of the live tests: ``live_factory(**config)`` serves a panel (and its own simulator)
on loopback with an operator logged in over HTTP; ``live`` is one with slow heartbeats."""

import pytest
import requests

from tests.support.accounts import cookie_header, login_over_http
from tests.support.live_page import LivePage
from tests.support.servers import serve_in_thread


class LivePanel:
    def __init__(self, simulator, app):
        self.simulator = simulator
        self.app = app
        self.hub = app.extensions["fleet"].default
        self._server = serve_in_thread(app)
        self.url = self._server.url
        self.browser = login_over_http(self.url, "operator")
        self.pages: list[LivePage] = []

    def open_page(self, page: str = "/", **options) -> LivePage:
        """The live socket of ``page``; ``since=`` the mark of the page as rendered (without
        it, the page is sent the whole state)."""
        live = LivePage(self.url, page, cookie=cookie_header(self.browser), **options)
        self.pages.append(live)
        self.simulator.wait_until(
            lambda: self.hub.viewer_count >= len(self.pages), what="the page to register"
        )
        return live

    def act(self, model: str, action: str) -> requests.Response:
        return self.browser.post(
            f"{self.url}/models/{model}/{action}",
            data={"next": "/"},
            headers={"HX-Request": "true"},
            timeout=10,
        )

    def stop(self) -> None:
        for page in self.pages:
            page.close()
        self.hub.shutdown()
        self._server.stop()


@pytest.fixture
def live_factory(simulator_factory, panel_factory):
    started = []

    def start(simulator_options=None, **config) -> LivePanel:
        simulator = simulator_factory(
            **(simulator_options or {"download_seconds": 1.5, "tick_seconds": 0.05})
        )
        panel = LivePanel(simulator, panel_factory(**{"PIECES_OS_URL": simulator.url, **config}))
        started.append(panel)
        return panel

    yield start
    for panel in started:
        panel.stop()


@pytest.fixture
def live(live_factory) -> LivePanel:
    return live_factory(LIVE_HEARTBEAT_SECONDS=30)
