"""A kind of page's feed, a page's mailbox and outbox, and the dispatcher that reads and writes
them, on real socket pairs whose handshake simple-websocket answered."""
import socket
import threading
import time

import pytest
from wsproto.events import CloseConnection, Ping, TextMessage
from wsproto.frame_protocol import FrameProtocol

from tests.support.sockets import Browser, Recorder, handshake_answered, read_available
from webapp.live import page_socket as page_socket_module
from webapp.live.dispatcher import Dispatcher
from webapp.live.feeds import Feed
from webapp.live.page_socket import POLICY_VIOLATION, PageSocket
from webapp.live.pages import Page
from webapp.live.viewers import Viewer


@pytest.fixture
def sockets():
    """Makes ``(PageSocket, browser end)`` pairs; closes them all at the end."""
    opened = []

    def make(ping_seconds: float = 60.0) -> tuple[PageSocket, socket.socket]:
        server_end, connection, browser_end = handshake_answered()
        opened.extend((server_end, browser_end))
        return PageSocket(server_end, connection, ping_seconds, 1024), browser_end

    yield make
    for sock in opened:
        sock.close()


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
        sockets):
    page_socket, browser_end = sockets()
    feed = Feed()
    feed.post("progress-a", "before it opened ", revision=1)
    viewer = Viewer(page_socket, Page("/"), feed, Recorder())
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


def test_an_answer_to_the_browser_waits_for_the_message_being_written(sockets):
    """A full socket takes part of a message; a pong due meanwhile must not cut it."""
    page_socket, browser_end = sockets()
    page_socket.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    viewer = Viewer(page_socket, Page("/"), Feed(), Recorder())
    message = "x" * 1_000_000
    viewer.post("model-a", message)
    assert viewer.write(Feed.since, encode) is True  # the socket is full: the rest waits
    browser = Browser(browser_end)
    browser.send(Ping(b"are you there"))
    viewer.read()
    received = read_available(browser_end)
    while viewer.write(Feed.since, encode):
        received += read_available(browser_end)  # the rest of the message, then the pong
    received += read_available(browser_end)
    assert received == message.encode() + b"\x8a\x0dare you there"


def test_what_was_published_while_the_socket_was_full_follows_the_rest_at_once(sockets):
    """The page was told of it while it could take nothing more; nothing tells it again."""
    page_socket, browser_end = sockets()
    page_socket.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    feed = Feed()
    viewer = Viewer(page_socket, Page("/"), feed, Recorder())
    feed.post("model-a", "x" * 1_000_000, revision=1)
    assert viewer.write(Feed.since, encode) is True
    feed.post("model-b", "row b", revision=2)
    received = b""
    while viewer.write(Feed.since, encode):
        received += read_available(browser_end)
    received += read_available(browser_end)
    assert received == b"x" * 1_000_000 + b"row b" and viewer.pending_count == 0


def test_a_page_whose_browser_vanished_is_finished(sockets):
    page_socket, browser_end = sockets()
    viewer = Viewer(page_socket, Page("/"), Feed(), Recorder())
    assert not viewer.finished
    browser_end.close()
    viewer.read()
    assert viewer.finished


def test_pages_shown_the_same_fragments_share_one_encoded_message(sockets):
    dispatcher = Dispatcher(heartbeat_seconds=60, heartbeat_html=lambda: "")
    encoded = []
    encoder = FrameProtocol(client=False, extensions=[])
    dispatcher._encoder = type("Counting", (), {"send_data": lambda _self, text: (
        encoded.append(text), encoder.send_data(text))[1]})()
    lists, details = Feed(), Feed()
    pairs = [sockets() for _ in range(20)]
    viewers = [Viewer(page_socket, Page("/"), lists if index < 15 else details, dispatcher)
               for index, (page_socket, _) in enumerate(pairs)]
    lists.post("progress-a", "a at 5", revision=1)
    details.post("progress-a", "a at 5 on a detail page", revision=1)
    dispatcher._write(set(viewers))
    assert sorted(encoded) == ["a at 5", "a at 5 on a detail page"]
    frame = bytes(encoder.send_data("a at 5"))
    assert all(read_available(browser_end) == frame for _, browser_end in pairs[:15])


class Running:
    """A dispatcher's thread with pages on it, and the pages it said were gone."""

    def __init__(self):
        self.gone: list[Viewer] = []
        self.all_gone = threading.Event()
        self.dispatcher = Dispatcher(heartbeat_seconds=60, heartbeat_html=lambda: "",
                                     on_gone=self._on_gone)
        self.feed = Feed()
        self.feed.post("banner", "<div id=banner>", revision=1)
        self.open = 0

    def open_page(self, page_socket: PageSocket) -> Viewer:
        viewer = Viewer(page_socket, Page("/"), self.feed, self.dispatcher)
        self.open += 1
        self.dispatcher.add(viewer)
        return viewer

    def _on_gone(self, viewer: Viewer) -> None:
        self.gone.append(viewer)
        if len(self.gone) == self.open:
            self.all_gone.set()


@pytest.fixture
def running():
    running = Running()
    yield running
    running.dispatcher.stop()


def first_message(browser: Browser) -> str:
    return next(event.data for event in browser.events() if isinstance(event, TextMessage))


def test_a_browser_closing_is_answered_and_its_page_let_go(sockets, running):
    page_socket, browser_end = sockets()
    viewer = running.open_page(page_socket)
    browser = Browser(browser_end)
    assert first_message(browser) == "<div id=banner>"
    browser.send(CloseConnection(1001, "going away"))
    assert browser.events() == [CloseConnection(1001, "going away")]  # the answer
    assert running.all_gone.wait(5) and running.gone == [viewer]
    assert page_socket.fileno() == -1 and running.dispatcher.count == 0


def test_a_page_closed_by_the_panel_gets_code_and_reason_and_then_nothing(sockets, running):
    page_socket, browser_end = sockets()
    viewer = running.open_page(page_socket)
    browser = Browser(browser_end)
    first_message(browser)
    viewer.close(POLICY_VIOLATION, "session ended")
    running.feed.post("banner", "<div id=banner>later", revision=2)
    running.dispatcher.pending([viewer])
    assert browser.events() == [CloseConnection(POLICY_VIOLATION, "session ended")]
    browser.send(CloseConnection(POLICY_VIOLATION, "session ended"))
    assert running.all_gone.wait(5)
    assert browser.events() == []  # the socket was shut: no fragment followed the close


def test_a_browser_that_never_answers_the_close_is_shut_after_a_wait(sockets, running,
                                                                     monkeypatch):
    monkeypatch.setattr(page_socket_module, "CLOSE_WAIT_SECONDS", 0.2)
    page_socket, browser_end = sockets()
    viewer = running.open_page(page_socket)
    viewer.close(POLICY_VIOLATION, "session ended")
    assert running.all_gone.wait(5)
    browser = Browser(browser_end)
    events = browser.events() + browser.events()  # the first message, the close, then the end
    assert CloseConnection(POLICY_VIOLATION, "session ended") in events


def test_a_browser_that_answers_pings_stays_and_one_that_does_not_is_closed(sockets, running):
    silent_socket, silent_end = sockets(ping_seconds=0.3)
    answering_socket, answering_end = sockets(ping_seconds=0.3)
    silent = running.open_page(silent_socket)
    running.open_page(answering_socket)
    answering = Browser(answering_end)
    answered = []

    def answer_pings() -> None:
        while len(answered) < 5:
            for event in answering.events(timeout=10):
                if isinstance(event, Ping):
                    answering.send(event.response())
                answered.append(event)

    answerer = threading.Thread(target=answer_pings)
    answerer.start()
    silent_browser, events = Browser(silent_end), []
    while not any(isinstance(event, CloseConnection) for event in events):
        events += silent_browser.events()
    assert CloseConnection(POLICY_VIOLATION, "Ping/Pong timeout") in events
    answerer.join(10)
    assert sum(isinstance(event, Ping) for event in answered) >= 3
    assert not any(isinstance(event, CloseConnection) for event in answered)
    assert running.gone == [silent] or running.gone == []  # the silent one's close may wait


def test_a_browser_that_reads_nothing_is_shut_after_a_wait_once_closed(sockets, running,
                                                                       monkeypatch):
    """Its socket is full, so not even the close frame can go out: the page is let go anyway,
    and its place with it."""
    monkeypatch.setattr(page_socket_module, "CLOSE_WAIT_SECONDS", 0.2)
    page_socket, _browser_end = sockets()
    page_socket.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    viewer = running.open_page(page_socket)
    viewer.post("model-a", "x" * 10_000_000)
    running.dispatcher.pending([viewer])
    viewer.close(POLICY_VIOLATION, "session ended")
    assert running.all_gone.wait(5) and running.gone == [viewer]


def test_a_page_whose_bytes_cannot_be_read_is_let_go_and_the_others_go_on(sockets, running):
    """Whatever goes wrong reading one browser's bytes, the dispatcher thread lives on."""
    broken_socket, broken_end = sockets()
    other_socket, other_end = sockets()

    def unreadable() -> bytes:
        raise ValueError("bytes no parser expected")

    broken_socket.read = unreadable
    broken = running.open_page(broken_socket)
    other = running.open_page(other_socket)
    other_browser = Browser(other_end)
    assert first_message(other_browser) == "<div id=banner>"
    Browser(broken_end).send(Ping(b"hello"))
    deadline = time.monotonic() + 5
    while broken not in running.gone and time.monotonic() < deadline:
        time.sleep(0.01)
    assert running.gone == [broken]
    other.post("live-status", "still live")
    running.dispatcher.pending([other])
    assert first_message(other_browser) == "still live"


def test_table_rows_go_in_messages_of_their_own(sockets):
    """The browser drops a table row that follows another element in the same message."""
    dispatcher = Dispatcher(heartbeat_seconds=60, heartbeat_html=lambda: "")
    page_socket, browser_end = sockets()
    feed = Feed()
    viewer = Viewer(page_socket, Page("/"), feed, dispatcher)
    for revision, (key, html) in enumerate([
            ("summary", '<div id="summary">'), ("machine", "<section id=machine></section>"),
            ("model-a", '\n<tr id="model-a"><td>a</td></tr>'), ("model-b", "<tr id=model-b>"),
            ("downloads", "<div id=downloads></div>"), ("model-c", "<tr>")], start=1):
        feed.post(key, html, revision)
    dispatcher._write({viewer})
    assert [event.data for event in Browser(browser_end).events()] == [
        '<div id="summary"><section id=machine></section>',
        '\n<tr id="model-a"><td>a</td></tr><tr id=model-b>',
        "<div id=downloads></div>", "<tr>"]
