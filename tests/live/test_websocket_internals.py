"""The live relay leans on two libraries' internals (pinned in pyproject.toml). These tests fail
when an upgrade changes them, before a page would:

- simple-websocket's ``Server`` writes every frame (the handshake answer, messages, pings,
  the close) through its ``sock`` attribute, which ``Viewer`` replaces with a ``QueuedSocket``;
  its reader thread reads and closes through that attribute too;
- wsproto's ``FrameProtocol`` encodes the dispatcher's shared messages.
"""
import socket

import pytest
from simple_websocket import Server
from wsproto.frame_protocol import FrameProtocol

from tests.support.sockets import Recorder, read_available
from webapp.live.feeds import Feed
from webapp.live.pages import Page
from webapp.live.viewers import Viewer

HANDSHAKE = {"HTTP_HOST": "panel.test", "HTTP_UPGRADE": "websocket",
             "HTTP_CONNECTION": "Upgrade", "HTTP_SEC_WEBSOCKET_VERSION": "13",
             "HTTP_SEC_WEBSOCKET_KEY": "dGhlIHNhbXBsZSBub25jZQ=="}


@pytest.fixture
def server_and_browser():
    """A simple-websocket ``Server`` after its handshake, and the browser's end of it."""
    server_end, browser_end = socket.socketpair()
    server = Server({"werkzeug.socket": server_end, **HANDSHAKE})
    assert b"101 Switching Protocols" in browser_end.recv(4096)
    yield server, browser_end
    browser_end.close()
    server_end.close()


def test_every_frame_simple_websocket_writes_goes_through_the_page_outbox(server_and_browser):
    server, browser_end = server_and_browser
    recorder = Recorder()
    viewer = Viewer(server, Page("/"), Feed(), recorder)
    server.send("from simple-websocket")  # as its ping and pong replies are sent
    assert recorder.told == [viewer]  # queued, not written past the dispatcher
    assert read_available(browser_end) == b""
    viewer.write(Feed.since, lambda fragments: b"")
    assert read_available(browser_end) == b"\x81\x15from simple-websocket"
    assert server.receive(timeout=0) is None  # what ``Viewer.hold`` polls
    server.close(reason=1012, message="server restarting")
    viewer.write(Feed.since, lambda fragments: b"")
    assert read_available(browser_end).startswith(b"\x88")  # the close frame, through us too


def test_the_reader_thread_closes_through_the_replaced_socket(server_and_browser):
    server, browser_end = server_and_browser
    viewer = Viewer(server, Page("/"), Feed(), Recorder())
    browser_end.close()  # the reader sees the end of the stream and closes its socket
    server.thread.join(timeout=5)
    assert not server.thread.is_alive() and not server.connected
    assert viewer.fileno() == -1  # closed by QueuedSocket.close, after the outbox drained


def test_wsproto_encodes_an_unmasked_uncompressed_text_frame():
    encoder = FrameProtocol(client=False, extensions=[])
    assert bytes(encoder.send_data("<div>")) == b"\x81\x05<div>"
    assert bytes(encoder.send_data("x" * 300)) == b"\x81\x7e\x01\x2c" + b"x" * 300
