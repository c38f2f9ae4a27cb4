"""The live socket under gunicorn with the repo's own config: close codes and lost browsers."""

import os
import re
import signal

import pytest

from tests.support.accounts import cookie_header, login_over_http
from tests.support.live_page import LivePage
from tests.support.servers import serve_with_gunicorn


def serve_panel(simulator, database: str, extra_env: dict | None = None, **options):
    server = serve_with_gunicorn(
        "webapp:create_app()",
        config_module="webapp.serving.gunicorn_conf",
        env={
            "PIECES_OS_URL": simulator.url,
            "SECRET_KEY": "test",
            "DATABASE": database,
            **(extra_env or {}),
        },
        **options,
    )
    server.browser = login_over_http(server.url, "viewer")
    return server


@pytest.fixture
def gunicorn_panel(simulator, panel_database):
    server = serve_panel(simulator, panel_database)
    yield server
    server.stop()


def close_code(page: LivePage) -> int:
    return page.close_frame()[0]


def test_server_shutdown_closes_pages_with_1012_so_they_reconnect(gunicorn_panel):
    page = LivePage(gunicorn_panel.url, cookie=cookie_header(gunicorn_panel.browser))
    assert 'id="banner"' in page.next_message()
    gunicorn_panel.process.send_signal(signal.SIGTERM)
    assert close_code(page) == 1012
    assert gunicorn_panel.process.wait(timeout=10) == 0
    # Nor a warning: gevent warns when the master imported requests before the worker patched.
    assert not [line for line in gunicorn_panel.log if "Traceback" in line or "Warning" in line]


def test_a_page_that_comes_while_the_panel_stops_is_told_to_come_back(live):
    """Browsers reconnect at once after a 1012: they may reach the stopping panel again."""
    live.hub.shutdown()
    assert close_code(LivePage(live.url, cookie=cookie_header(live.browser))) == 1012
    page = live.browser.get(live.url + "/", timeout=5)
    assert page.status_code == 503 and "The panel is restarting" in page.text


STOPS = 8


def test_every_stop_of_the_process_group_closes_every_page_with_1012(simulator, panel_database):
    """The shell (or systemd) signals gunicorn's whole process group, so the worker gets SIGTERM
    twice: from there and from the master. A handler that took a lock once waited for itself
    and left the pages open for the whole graceful timeout, in about 3 stops of 8."""
    for stop in range(STOPS):
        server = serve_panel(simulator, panel_database, own_process_group=True)
        try:
            pages = [LivePage(server.url, cookie=cookie_header(server.browser)) for _ in range(3)]
            for page in pages:
                page.next_message()
            os.killpg(server.process.pid, signal.SIGTERM)
            codes = [close_code(page) for page in pages]
            assert codes == [1012] * 3, f"stop {stop + 1} of {STOPS}"
            assert server.process.wait(timeout=10) == 0
        finally:
            server.stop()


def test_a_refused_page_hears_its_close_code_before_its_connection_ends(simulator, panel_database):
    """A connection shut before the browser answered the close frame is reset: Chromium then
    reports 1006 (connection lost) and reconnects, where 1013 makes the page poll instead."""
    server = serve_panel(simulator, panel_database, extra_env={"LIVE_SOCKETS_PER_ACCOUNT": "1"})
    pages = []
    try:
        pages.append(LivePage(server.url, cookie=cookie_header(server.browser)))
        pages[0].next_message()
        pages.append(LivePage(server.url, cookie=cookie_header(server.browser)))
        assert close_code(pages[1]) == 1013
        connection = pages[1].connection
        connection.send_close(1013)  # the browser's answer
        connection.sock.settimeout(5)
        assert connection.sock.recv(64) == b""  # then a clean end, not a reset
    finally:
        for page in pages:
            page.close()
        server.stop()


def test_open_pages_leave_room_for_ordinary_requests(simulator, panel_database):
    """Twelve open pages each get their state, and ordinary requests are still served."""
    server = serve_panel(simulator, panel_database, extra_env={"LIVE_SOCKETS_PER_ACCOUNT": "12"})
    pages = []
    try:
        for _ in range(12):
            pages.append(LivePage(server.url, cookie=cookie_header(server.browser)))
            # Its state: the banner, alone or in the list (once the list came, the newer).
            pages[-1].read_until(lambda text: 'id="banner"' in text, "the page's state")
        assert server.browser.get(server.url + "/activity", timeout=5).status_code == 200
    finally:
        for page in pages:
            page.close()
        server.stop()


def test_pages_get_the_live_markup(gunicorn_panel):
    html = gunicorn_panel.browser.get(gunicorn_panel.url + "/", timeout=5).text
    assert re.search(r'hx-ws:connect="/live\?page=%2F&amp;since=[0-9a-f]{8}-[0-9]+"', html)
    assert "/static/vendor/ext/hx-ws.min.js" in html


# Close codes under gunicorn: after a route ends, Werkzeug's server writes an HTTP answer on the
# socket, which a client may read instead of a close frame that was still queued.
def test_any_message_from_the_browser_closes_the_page(gunicorn_panel):
    page = LivePage(gunicorn_panel.url, "/", cookie=cookie_header(gunicorn_panel.browser))
    page.connection.send("x")
    assert close_code(page) == 1008  # Policy Violation


def test_a_message_over_the_size_limit_is_refused_as_too_big(gunicorn_panel):
    page = LivePage(gunicorn_panel.url, "/", cookie=cookie_header(gunicorn_panel.browser))
    page.connection.send("x" * 2048)
    assert close_code(page) == 1009  # Message Too Big
