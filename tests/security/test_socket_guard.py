"""WebSocket handshakes: only from the panel's own pages (Origin), only for logged-in users.

Real WebSocket clients against a panel served on loopback. A refused handshake is an ordinary
HTTP answer, whose status websocket-client reports in ``WebSocketBadStatusException``.
"""

import pytest
import websocket
from flask_sock import Sock

from tests.support.accounts import cookie_header, login_over_http
from tests.support.servers import serve_in_thread

GREETING_PATH = "/greeting-for-tests"


@pytest.fixture
def serve_panel(panel_factory):
    """Serve a panel (with a throwaway socket besides the real ones, which greets whoever it
    lets in) on loopback."""
    servers = []

    def serve(**config):
        app = panel_factory(**config)

        @Sock(app).route(GREETING_PATH)
        def greet(ws):
            ws.send(f"welcome {ws.environ['HTTP_ORIGIN']}")

        servers.append(serve_in_thread(app))
        return servers[-1].url

    yield serve
    for server in servers:
        server.stop()


def open_socket(url: str, path: str, **options) -> websocket.WebSocket:
    return websocket.create_connection(url.replace("http://", "ws://") + path, timeout=5, **options)


def refusal_status(url: str, path: str = GREETING_PATH, **options) -> int:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        open_socket(url, path, **options)
    return refused.value.status_code


def test_a_logged_in_page_of_the_panel_may_connect(serve_panel):
    url = serve_panel()
    connection = open_socket(
        url, GREETING_PATH, origin=url, cookie=cookie_header(login_over_http(url, "viewer"))
    )
    assert connection.recv() == f"welcome {url}"
    connection.close()


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:1", "null"])
def test_a_page_from_another_origin_is_refused(serve_panel, origin):
    url = serve_panel()
    cookie = cookie_header(login_over_http(url))
    assert refusal_status(url, origin=origin, cookie=cookie) == 403


def test_a_handshake_without_origin_is_refused(serve_panel):
    url = serve_panel()
    cookie = cookie_header(login_over_http(url))
    assert refusal_status(url, suppress_origin=True, cookie=cookie) == 403


def test_without_a_login_the_handshake_is_401(serve_panel):
    url = serve_panel()
    assert refusal_status(url, origin=url) == 401


def test_allowed_origins_replace_the_default(serve_panel):
    url = serve_panel(ALLOWED_ORIGINS=["https://panel.example"])
    cookie = cookie_header(login_over_http(url))
    assert refusal_status(url, origin=url, cookie=cookie) == 403
    connection = open_socket(url, GREETING_PATH, origin="https://panel.example", cookie=cookie)
    assert connection.recv() == "welcome https://panel.example"
    connection.close()


def test_the_live_socket_is_guarded_too(serve_panel):
    url = serve_panel()
    live = "/live?page=/"
    assert refusal_status(url, live, origin=url) == 401
    cookie = cookie_header(login_over_http(url))
    assert refusal_status(url, live, origin="http://evil.example", cookie=cookie) == 403
    open_socket(url, live, origin=url, cookie=cookie).close()
