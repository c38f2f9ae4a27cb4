"""The one thread that writes to every live page's socket (see viewers.py).

It sleeps in ``poll`` on a wake-up socket and on the sockets of pages that could not take all
they were sent, so it costs nothing while nothing changes. Each round it writes to every page
that has something new, with ``MSG_DONTWAIT``: a full socket is left for a later round and never
holds up the others. Pages at the same place in the same feed share the work: the fragments are
taken from the feed once and encoded into one WebSocket message, whose bytes go to each of them.
"""
import logging
import select
import socket
import threading
import time
from collections.abc import Callable, Iterable

from wsproto.frame_protocol import FrameProtocol

from .feeds import Feed
from .viewers import POLICY_VIOLATION, Viewer

log = logging.getLogger(__name__)


class Dispatcher:
    """Writes to every page what is new for it: its feed's fragments, its own mailbox, the
    frames simple-websocket queued, and a heartbeat when it got nothing for a while. The
    thread runs while any page is open."""

    HEARTBEAT_CHECK_SECONDS = 1.0
    STOP_GRACE_SECONDS = 3.0  # after stop(): time for closing pages to get their close frame

    def __init__(self, heartbeat_seconds: float, heartbeat_html: Callable[[], str]):
        self.heartbeat_seconds = heartbeat_seconds
        self.heartbeat_html = heartbeat_html
        self._lock = threading.Lock()
        self._viewers: set[Viewer] = set()
        self._due: set[Viewer] = set()
        self._blocked: set[Viewer] = set()  # dispatcher thread only
        self._wake_pair: tuple[socket.socket, socket.socket] | None = None
        self._woken = False
        self._thread: threading.Thread | None = None
        self._stop_by: float | None = None
        self._encoder = FrameProtocol(client=False, extensions=[])

    def add(self, viewer: Viewer) -> None:
        with self._lock:
            self._viewers.add(viewer)
            if self._thread is None:
                self._wake_pair = socket.socketpair()
                for end in self._wake_pair:
                    end.setblocking(False)
                self._woken = False
                self._thread = threading.Thread(target=self._run, args=(self._wake_pair[0],),
                                                name="live-dispatcher", daemon=True)
                self._thread.start()

    def remove(self, viewer: Viewer) -> None:
        with self._lock:
            self._viewers.discard(viewer)
            self._due.discard(viewer)
        viewer.let_go()

    def pending(self, viewers: Iterable[Viewer]) -> None:
        """These pages have something to write."""
        with self._lock:
            self._due.update(viewers)
            self._wake()

    def stop(self) -> None:
        """Stop once every page is gone, or after a short grace for their close frames."""
        with self._lock:
            if self._thread is not None:
                self._stop_by = time.monotonic() + self.STOP_GRACE_SECONDS
                self._wake()

    def _wake(self) -> None:
        """(Under the lock.) One byte on the wake-up socket, unless one is there already."""
        if self._wake_pair and not self._woken:
            self._woken = True
            self._wake_pair[1].send(b"\0")

    def _run(self, wake: socket.socket) -> None:
        next_heartbeat = time.monotonic()
        while True:
            with self._lock:
                stopping = self._stop_by is not None and time.monotonic() >= self._stop_by
                if not self._viewers or stopping:
                    self._finish()
                    return
                viewers = set(self._viewers)
            due = self._wait(wake, viewers, next_heartbeat)
            if time.monotonic() >= next_heartbeat:
                next_heartbeat = time.monotonic() + self.HEARTBEAT_CHECK_SECONDS
                due |= self._post_heartbeats(viewers)
            with self._lock:
                due = (self._due | due) & self._viewers
                self._due = set()
                self._woken = False
            self._write(due)

    def _wait(self, wake: socket.socket, viewers: set[Viewer], until: float) -> set[Viewer]:
        """Sleep until woken, a blocked page's socket can take more, or ``until``."""
        poller = select.poll()
        poller.register(wake, select.POLLIN)
        self._blocked &= viewers
        blocked = {}
        for viewer in self._blocked:
            fileno = viewer.fileno()
            if fileno >= 0:
                blocked[fileno] = viewer
                poller.register(fileno, select.POLLOUT)
        timeout_ms = max(0, int((until - time.monotonic()) * 1000))
        writable = set()
        for fileno, _ in poller.poll(timeout_ms):
            if fileno == wake.fileno():
                wake.recv(64)
            else:
                writable.add(blocked[fileno])
        # A page whose socket closed: one more write attempt finds out and lets it go.
        return writable | {viewer for viewer in self._blocked if viewer.fileno() < 0}

    def _write(self, due: set[Viewer]) -> None:
        published: dict[tuple[Feed, int], tuple[int, tuple[str, ...]]] = {}
        encoded: dict[tuple[str, ...], bytes] = {}

        def take(feed: Feed, cursor: int) -> tuple[int, tuple[str, ...]]:
            """Pages of one kind at the same place in its feed take the same fragments..."""
            if (feed, cursor) not in published:
                published[feed, cursor] = feed.since(cursor)
            return published[feed, cursor]

        def encode(fragments: tuple[str, ...]) -> bytes:
            """...and pages shown the same fragments share one encoded message."""
            if fragments not in encoded:
                encoded[fragments] = bytes(self._encoder.send_data("".join(fragments)))
            return encoded[fragments]

        for viewer in due:
            try:
                blocked = viewer.write(take, encode)
            except Exception:  # one page's failure must never stop every other page's
                log.exception("could not write to a live page; closing it")
                viewer.close(POLICY_VIOLATION)
                blocked = False
            (self._blocked.add if blocked else self._blocked.discard)(viewer)

    def _post_heartbeats(self, viewers: set[Viewer]) -> set[Viewer]:
        """Post the heartbeat to the pages that got nothing for a while; returns them."""
        now = time.monotonic()
        quiet = {viewer for viewer in viewers if now - viewer.last_sent >= self.heartbeat_seconds}
        if quiet:
            html = self.heartbeat_html()
            for viewer in quiet:
                viewer.post("live-status", html)
        return quiet

    def _finish(self) -> None:
        """(Under the lock.) The thread ends; the next page to come starts a new one."""
        for end in self._wake_pair:
            end.close()
        self._wake_pair = None
        self._thread = None
        self._stop_by = None
        self._due = set()  # pages gone meanwhile (a late ping of theirs)
        self._blocked = set()
