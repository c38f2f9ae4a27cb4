"""The live relay leans on two libraries' internals (pinned in pyproject.toml). These tests fail
when an upgrade changes them, before a page would:

- simple-websocket's ``Server`` answers the handshake through its ``sock`` and starts its reader
  through ``thread_class``, keeps the wsproto connection in ``ws.connection`` and sends nothing
  once ``connected`` is false (flask-sock closes it after the route);
- wsproto's ``FrameProtocol`` encodes the dispatcher's shared messages.
"""
import socket

import pytest
from simple_websocket import ConnectionClosed, Server
from wsproto.connection import ConnectionState
from wsproto.frame_protocol import FrameProtocol

from tests.support.sockets import HANDSHAKE, read_available
from webapp.live.page_socket import NoReaderThread, take_over


@pytest.fixture
def server_and_browser():
    """A simple-websocket ``Server`` after its handshake, and the browser's end of it."""
    server_end, browser_end = socket.socketpair()
    server = Server({"werkzeug.socket": server_end, **HANDSHAKE}, thread_class=NoReaderThread)
    assert b"101 Switching Protocols" in browser_end.recv(4096)
    yield server, browser_end
    browser_end.close()
    server_end.close()


def test_the_server_starts_no_reader_and_hands_over_an_open_connection(server_and_browser):
    server, browser_end = server_and_browser
    assert isinstance(server.thread, NoReaderThread)
    taken, connection = take_over(server)
    try:
        assert connection.state is ConnectionState.OPEN
        assert server.sock.fileno() == -1  # what serving/worker.py recognises
        with pytest.raises(ConnectionClosed):
            server.close()  # as flask-sock does after the route: nothing is sent
        taken.sendall(bytes(FrameProtocol(client=False, extensions=[]).send_data("still here")))
        assert read_available(browser_end) == b"\x81\x0astill here"
    finally:
        taken.close()


def test_wsproto_encodes_an_unmasked_uncompressed_text_frame():
    encoder = FrameProtocol(client=False, extensions=[])
    assert bytes(encoder.send_data("<div>")) == b"\x81\x05<div>"
    assert bytes(encoder.send_data("x" * 300)) == b"\x81\x7e\x01\x2c" + b"x" * 300
