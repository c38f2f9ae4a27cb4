"""The live socket under gunicorn with the repo's own config: close codes and lost browsers."""
import os
import signal
import struct

import pytest
import websocket

from tests.support.accounts import cookie_header, login_over_http
from tests.support.live_page import LivePage
from tests.support.servers import serve_with_gunicorn


def serve_panel(simulator, database: str, **options):
    server = serve_with_gunicorn("webapp:create_app()",
                                 config_module="webapp.serving.gunicorn_conf",
                                 env={"PIECES_OS_URL": simulator.url, "SECRET_KEY": "test",
                                      "DATABASE": database}, **options)
    server.browser = login_over_http(server.url, "viewer")
    return server


@pytest.fixture
def gunicorn_panel(simulator, panel_database):
    server = serve_panel(simulator, panel_database)
    yield server
    server.stop()


def close_code(page: LivePage) -> int:
    """Read until the server's close frame and return its code."""
    while True:
        opcode, data = page.connection.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return struct.unpack("!H", data[:2])[0]


def test_server_shutdown_closes_pages_with_1012_so_they_reconnect(gunicorn_panel):
    page = LivePage(gunicorn_panel.url, cookie=cookie_header(gunicorn_panel.browser))
    assert 'id="banner"' in page.next_message()
    gunicorn_panel.process.send_signal(signal.SIGTERM)
    assert close_code(page) == 1012
    assert gunicorn_panel.process.wait(timeout=10) == 0


STOPS = 8


def test_every_stop_of_the_process_group_closes_every_page_with_1012(simulator, panel_database):
    """The shell (or systemd) signals gunicorn's whole process group, so the worker gets SIGTERM
    twice: from there and from the master. A handler that took a lock once waited for itself
    and left the pages open for the whole graceful timeout, in about 3 stops of 8."""
    for stop in range(STOPS):
        server = serve_panel(simulator, panel_database, own_process_group=True)
        try:
            pages = [LivePage(server.url, cookie=cookie_header(server.browser))
                     for _ in range(3)]
            for page in pages:
                page.next_message()
            os.killpg(server.process.pid, signal.SIGTERM)
            codes = [close_code(page) for page in pages]
            assert codes == [1012] * 3, f"stop {stop + 1} of {STOPS}"
            assert server.process.wait(timeout=10) == 0
        finally:
            server.stop()


def test_pages_get_the_live_markup(gunicorn_panel):
    html = gunicorn_panel.browser.get(gunicorn_panel.url + "/", timeout=5).text
    assert 'hx-ws:connect="/live?page=%2F"' in html
    assert "/static/vendor/ext/hx-ws.min.js" in html
