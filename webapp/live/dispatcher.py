"""The one thread that reads and writes every live page's socket (see viewers.py).

It sleeps in an epoll selector on a wake-up socket and on every page's socket (readable: the
browser sent something; writable: a page that could not take all it was sent can take more), so
it costs nothing while nothing changes, and an open page costs a file descriptor, not a thread.
Each round it writes to every page that has something new, with ``MSG_DONTWAIT``: a full socket
is left for a later round and never holds up the others. Pages at the same place in the same
feed share the work: the fragments are taken from the feed once and encoded into WebSocket
messages (as few as the browser can parse, see ``fragments.as_messages``), whose bytes go to each
of them.
"""
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterable

from wsproto.frame_protocol import FrameProtocol

from .feeds import Feed
from .fragments import as_messages
from .viewers import Viewer

log = logging.getLogger(__name__)

READ, WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE


class Dispatcher:
    """Writes to every page what is new for it: its feed's fragments, its own mailbox, the
    protocol's frames, and a heartbeat when it got nothing for a while; reads what browsers
    send; shuts the socket of a page whose connection ended and tells ``on_gone``. The thread
    runs while any page is open."""

    TICK_SECONDS = 1.0  # heartbeats, pings and unanswered closes are checked this often
    STOP_GRACE_SECONDS = 3.0  # after stop(): time for closing pages to get their close frame

    def __init__(self, heartbeat_seconds: float, heartbeat_html: Callable[[], str],
                 on_gone: Callable[[Viewer], None] = lambda viewer: None):
        self.heartbeat_seconds = heartbeat_seconds
        self.heartbeat_html = heartbeat_html
        self._on_gone = on_gone
        self._lock = threading.Lock()
        self._viewers: set[Viewer] = set()
        self._arrived: set[Viewer] = set()  # not yet in the selector
        self._due: set[Viewer] = set()
        self._wake_pair: tuple[socket.socket, socket.socket] | None = None
        self._woken = False
        self._thread: threading.Thread | None = None
        self._stop_by: float | None = None
        self._encoder = FrameProtocol(client=False, extensions=[])
        # The dispatcher thread's own (no lock): the selector and the pages waiting to write.
        self._selector: selectors.BaseSelector | None = None
        self._blocked: set[Viewer] = set()

    def add(self, viewer: Viewer) -> None:
        with self._lock:
            self._viewers.add(viewer)
            self._arrived.add(viewer)
            self._due.add(viewer)
            if self._thread is None:
                self._wake_pair = socket.socketpair()
                for end in self._wake_pair:
                    end.setblocking(False)
                self._woken = False
                self._thread = threading.Thread(target=self._run, args=(self._wake_pair[0],),
                                                name="live-dispatcher", daemon=True)
                self._thread.start()
            self._wake()

    def pending(self, viewers: Iterable[Viewer]) -> None:
        """These pages have something to write."""
        with self._lock:
            self._due.update(viewers)
            self._wake()

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._viewers)

    def stop(self, wait: bool = True) -> None:
        """Stop once every page is gone, or after a short grace for their close frames; with
        ``wait``, return when the thread has ended."""
        with self._lock:
            thread = self._thread
            if thread is not None:
                self._stop_by = time.monotonic() + self.STOP_GRACE_SECONDS
                self._wake()
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join(self.STOP_GRACE_SECONDS + 1.0)

    def _wake(self) -> None:
        """(Under the lock.) One byte on the wake-up socket, unless one is there already."""
        if self._wake_pair and not self._woken:
            self._woken = True
            self._wake_pair[1].send(b"\0")

    def _run(self, wake: socket.socket) -> None:
        self._selector = selectors.DefaultSelector()
        self._selector.register(wake, READ)
        next_tick = time.monotonic()
        while True:
            with self._lock:
                if not self._viewers:
                    self._finish()
                    return
                arrived, self._arrived = self._arrived, set()
                stopping = self._stop_by is not None and time.monotonic() >= self._stop_by
                left_over = set(self._viewers) if stopping else set()
            for viewer in arrived:
                self._selector.register(viewer.fileno(), READ, viewer)
            if left_over:  # the grace is over: whatever did not close by now is shut
                self._let_go(left_over)
                continue
            due = self._wait(wake, next_tick)
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + self.TICK_SECONDS
                due |= self._tick()
            with self._lock:
                due = (self._due | due) & self._viewers
                self._due = set()
                self._woken = False
            self._write(due)
            self._let_go({viewer for viewer in due if viewer.finished})

    def _wait(self, wake: socket.socket, until: float) -> set[Viewer]:
        """Sleep until woken, a browser sent something, a blocked page's socket can take more,
        or ``until``; returns the pages to write to."""
        due = set()
        timeout = max(0.0, until - time.monotonic())
        for key, events in self._selector.select(timeout):
            viewer = key.data
            if viewer is None:
                wake.recv(64)
                continue
            if events & READ:
                self._read(viewer)
            due.add(viewer)  # an answer to write, the rest of an outbox, or an end to see
        return due

    @staticmethod
    def _read(viewer: Viewer) -> None:
        try:
            viewer.read()
        except Exception:  # one browser's bytes must never stop every other page's updates
            log.exception("could not read from a live page; letting it go")
            viewer.page_socket.broken = True

    def _write(self, due: set[Viewer]) -> None:
        published: dict[tuple[Feed, int], tuple[int, tuple[str, ...]]] = {}
        encoded: dict[tuple[str, ...], bytes] = {}

        def take(feed: Feed, cursor: int) -> tuple[int, tuple[str, ...]]:
            """Pages of one kind at the same place in its feed take the same fragments..."""
            if (feed, cursor) not in published:
                published[feed, cursor] = feed.since(cursor)
            return published[feed, cursor]

        def encode(fragments: tuple[str, ...]) -> bytes:
            """...and pages shown the same fragments share their encoded messages."""
            if fragments not in encoded:
                encoded[fragments] = b"".join(bytes(self._encoder.send_data(message))
                                              for message in as_messages(fragments))
            return encoded[fragments]

        for viewer in due:
            try:
                blocked = viewer.write(take, encode)
            except Exception:  # one page's failure must never stop every other page's
                log.exception("could not write to a live page; closing it")
                viewer.page_socket.broken = True
                blocked = False
            self._watch_writable(viewer, blocked)

    def _watch_writable(self, viewer: Viewer, blocked: bool) -> None:
        """Wait for the socket to take more only while something is left to write."""
        if blocked == (viewer in self._blocked):
            return
        (self._blocked.add if blocked else self._blocked.discard)(viewer)
        self._selector.modify(viewer.fileno(), READ | WRITE if blocked else READ, viewer)

    def _tick(self) -> set[Viewer]:
        """Heartbeats to the pages that got nothing for a while, pings due, closes that went
        unanswered: returns the pages that now have something to write or have ended."""
        with self._lock:
            viewers = set(self._viewers)
        now = time.monotonic()
        quiet = {viewer for viewer in viewers if now - viewer.last_sent >= self.heartbeat_seconds}
        if quiet:
            html = self.heartbeat_html()
            for viewer in quiet:
                viewer.post("live-status", html)
        pinged = {viewer for viewer in viewers if viewer.tick()}
        return quiet | pinged | {viewer for viewer in viewers if viewer.finished}

    def _let_go(self, ended: set[Viewer]) -> None:
        """Shut the sockets of pages whose connection ended, and say they are gone."""
        if not ended:
            return
        with self._lock:
            self._viewers -= ended
            self._arrived -= ended
        for viewer in ended:
            self._shut(viewer)

    def _shut(self, viewer: Viewer) -> None:
        try:
            self._selector.unregister(viewer.fileno())
        except KeyError:  # it ended before it was registered
            pass
        self._blocked.discard(viewer)
        viewer.page_socket.socket.close()
        try:
            self._on_gone(viewer)
        except Exception:  # the other pages go on
            log.exception("could not let a live page go")

    def _finish(self) -> None:
        """(Under the lock, every page gone.) The thread ends; the next page to come starts a
        new one."""
        self._selector.close()
        self._selector = None
        self._blocked = set()
        for end in self._wake_pair:
            end.close()
        self._wake_pair = None
        self._thread = None
        self._stop_by = None
        self._due = set()
