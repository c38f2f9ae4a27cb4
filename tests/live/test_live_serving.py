"""The live socket under gunicorn with the repo's own config: close codes and lost browsers."""
import signal

import pytest

from tests.support.accounts import cookie_header, login_over_http
from tests.support.live_page import LivePage
from tests.support.servers import serve_with_gunicorn


@pytest.fixture
def gunicorn_panel(simulator, panel_database):
    server = serve_with_gunicorn("webapp:create_app()",
                                 config_module="webapp.serving.gunicorn_conf",
                                 env={"PIECES_OS_URL": simulator.url, "SECRET_KEY": "test",
                                      "DATABASE": panel_database})
    server.browser = login_over_http(server.url, "viewer")
    yield server
    server.stop()


def close_code(page: LivePage) -> int:
    return page.close_frame()[0]


def test_server_shutdown_closes_pages_with_1012_so_they_reconnect(gunicorn_panel):
    page = LivePage(gunicorn_panel.url, cookie=cookie_header(gunicorn_panel.browser))
    assert "live-status" in page.next_message() + page.next_message()
    gunicorn_panel.process.send_signal(signal.SIGTERM)
    assert close_code(page) == 1012
    assert gunicorn_panel.process.wait(timeout=10) == 0


def test_pages_get_the_live_markup(gunicorn_panel):
    html = gunicorn_panel.browser.get(gunicorn_panel.url + "/", timeout=5).text
    assert 'hx-ws:connect="/live?page=%2F"' in html
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
