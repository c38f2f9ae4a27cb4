"""A kind of page's feed, a page's mailbox and outbox, and the dispatcher that writes them,
on real socket pairs."""
import socket
import threading

import pytest
from wsproto.frame_protocol import FrameProtocol

from tests.support.sockets import Recorder, read_available
from webapp.live.dispatcher import Dispatcher
from webapp.live.feeds import Feed
from webapp.live.pages import Page
from webapp.live.viewers import Viewer


class WebSocket:
    """What a ``Viewer`` uses of simple-websocket's ``Server``."""

    def __init__(self, sock):
        self.sock = sock
        self.connected = True
        self.close_reason = None
        self.thread = threading.Thread(target=lambda: None)  # the reader: over at once
        self.thread.start()

    def receive(self, timeout=None):
        return None

    def close(self, reason=None, message=None):
        self.connected = False
        self.close_reason = reason


@pytest.fixture
def socket_pair():
    server_end, browser_end = socket.socketpair()
    yield server_end, browser_end
    server_end.close()
    browser_end.close()


def encode(fragments: tuple[str, ...]) -> bytes:
    return "".join(fragments).encode()


def test_a_feed_keeps_only_the_newest_fragment_per_element():
    feed = Feed()
    for percent in range(100):
        feed.post("progress-a", f"a at {percent} ", revision=percent)
    feed.post("progress-b", "b at 1 ", revision=100)
    assert feed.since(0) == (101, ("a at 99 ", "b at 1 "))
    feed.post("model-a", "row a", revision=101, replaces=("progress-a",))
    assert feed.since(0) == (102, ("b at 1 ", "row a"))
    assert feed.since(101) == (102, ("row a",)) and feed.since(102) == (102, ())


def test_a_fragment_of_an_older_state_never_replaces_a_newer_one():
    """Renders finish out of order: the one started later (higher revision) must stay."""
    feed = Feed()
    feed.post("progress-a", "a at 6 ", revision=6)
    feed.post("progress-a", "a at 5 ", revision=5)
    assert feed.since(0) == (1, ("a at 6 ",))
    feed.post("model-a", "row a, downloaded", revision=8, replaces=("progress-a",))
    feed.post("progress-a", "a at 7 ", revision=7)  # older than the row that holds it
    assert feed.since(0) == (2, ("row a, downloaded",))
    feed.post("progress-b", "b at 9 ", revision=9)
    feed.post("model-b", "row b as it was", revision=8, replaces=("progress-b",))
    assert feed.since(2) == (5, ("row b as it was", "b at 9 "))  # the newer bar stays on top


def test_a_page_gets_what_its_feed_holds_then_its_own_fragments_then_what_is_published(
        socket_pair):
    server_end, browser_end = socket_pair
    feed = Feed()
    feed.post("progress-a", "before it opened ", revision=1)
    viewer = Viewer(WebSocket(server_end), Page("/"), feed, Recorder())
    assert viewer.pending_count == 1
    assert viewer.write(Feed.since, encode) is False
    assert read_available(browser_end) == b"before it opened "
    viewer.post("live-status", "still here ")
    feed.post("progress-a", "a at 5 ", revision=2)
    feed.post("progress-a", "a at 6 ", revision=3)
    assert viewer.pending_count == 2
    assert viewer.write(Feed.since, encode) is False
    assert viewer.write(Feed.since, encode) is False  # nothing left: nothing written
    assert read_available(browser_end) == b"still here a at 6 " and viewer.pending_count == 0


def test_a_frame_queued_by_simple_websocket_waits_for_the_message_being_written(socket_pair):
    """A full socket takes part of a message; a ping queued meanwhile must not cut it."""
    server_end, browser_end = socket_pair
    server_end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    recorder = Recorder()
    websocket = WebSocket(server_end)
    viewer = Viewer(websocket, Page("/"), Feed(), recorder)
    message = "x" * 1_000_000
    viewer.post("model-a", message)
    assert viewer.write(Feed.since, encode) is True  # the socket is full: the rest waits
    websocket.sock.send(b"PING")  # what simple-websocket does from its own thread
    assert recorder.told == [viewer]
    received = read_available(browser_end)
    while viewer.write(Feed.since, encode) or viewer.write(Feed.since, encode):
        received += read_available(browser_end)  # the rest of the message, then the ping
    received += read_available(browser_end)
    assert received == message.encode() + b"PING"


def test_a_page_whose_browser_vanished_is_let_go(socket_pair):
    server_end, browser_end = socket_pair
    viewer = Viewer(WebSocket(server_end), Page("/"), Feed(), Recorder())
    browser_end.close()
    viewer.post("model-a", "row a")
    assert viewer.write(Feed.since, encode) is False
    viewer.hold(check_seconds=60)  # returns at once: the page is gone


def test_pages_shown_the_same_fragments_share_one_encoded_message():
    dispatcher = Dispatcher(heartbeat_seconds=60, heartbeat_html=lambda: "")
    encoded = []
    encoder = FrameProtocol(client=False, extensions=[])
    dispatcher._encoder = type("Counting", (), {"send_data": lambda _self, text: (
        encoded.append(text), encoder.send_data(text))[1]})()
    pairs = [socket.socketpair() for _ in range(20)]
    try:
        lists, details = Feed(), Feed()
        viewers = [Viewer(WebSocket(server_end), Page("/"), lists if index < 15 else details,
                          dispatcher) for index, (server_end, _) in enumerate(pairs)]
        lists.post("progress-a", "a at 5", revision=1)
        details.post("progress-a", "a at 5 on a detail page", revision=1)
        dispatcher._write(set(viewers))
        assert sorted(encoded) == ["a at 5", "a at 5 on a detail page"]
        frame = bytes(encoder.send_data("a at 5"))
        assert all(read_available(browser_end) == frame for _, browser_end in pairs[:15])
    finally:
        for pair in pairs:
            for end in pair:
                end.close()
