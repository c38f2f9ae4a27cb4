"""Under gunicorn with the repo's config, a client slow to send its request headers loses its
connection after REQUEST_HEADER_SECONDS, and everybody else is served meanwhile."""
import socket

import pytest
import requests

from tests.support.servers import serve_with_gunicorn

# Generous: the server closes after 1 s; this only keeps a broken deadline from hanging the test.
CLIENT_PATIENCE_SECONDS = 30


@pytest.fixture
def gunicorn_panel(simulator, panel_database):
    server = serve_with_gunicorn("webapp:create_app()",
                                 config_module="webapp.serving.gunicorn_conf",
                                 env={"PIECES_OS_URL": simulator.url, "SECRET_KEY": "test",
                                      "DATABASE": panel_database, "REQUEST_HEADER_SECONDS": "1"})
    yield server
    server.stop()


def test_a_client_that_never_finishes_its_headers_is_cut_off(gunicorn_panel):
    port = int(gunicorn_panel.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as slow:
        slow.settimeout(CLIENT_PATIENCE_SECONDS)
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and then nothing
        assert requests.get(f"{gunicorn_panel.url}/healthz", timeout=10).status_code == 200
        assert slow.recv(1024) == b""  # closed by the panel
