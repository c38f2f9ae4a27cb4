"""The open browser pages: what waits to be written to each one's socket.

The hub publishes each change once per kind of page, in that kind's ``Feed``; every open page
(``Viewer``) keeps a cursor in it, plus a small mailbox of its own. Only the dispatcher
(dispatcher.py) writes to the sockets, never waiting for one: what a slow or stalled browser
cannot take yet stays in its outbox, and it lags behind in its feed, which keeps only the newest
fragment per page element, so such a page costs bounded memory and holds up nobody.
simple-websocket's own frames (pings, pongs, the close) join the outbox through ``QueuedSocket``,
so they can never land in the middle of one of our frames.
"""
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from .feeds import Feed
from .pages import Page

# Sent when the server stops, so that browsers reconnect by themselves (Service Restart).
SERVICE_RESTART = 1012
POLICY_VIOLATION = 1008
# Too many live sockets already: the page may try again later.
TRY_AGAIN_LATER = 1013
# How long a closing page waits for its close frame to be written before its socket is shut.
CLOSE_WRITE_SECONDS = 2.0

#: ``Feed.since``, or a shared cache of it: (feed, cursor) -> (new cursor, fragments).
TakeFromFeed = Callable[[Feed, int], tuple[int, tuple[str, ...]]]
#: Turns fragments into the bytes of one WebSocket message.
EncodeMessage = Callable[[tuple[str, ...]], bytes]


class Wakeable(Protocol):
    """The dispatcher, as a page sees it: told which pages have something to write."""

    def pending(self, viewers: Iterable["Viewer"]) -> None: ...


class Viewer:
    """A browser page's socket (a simple-websocket ``Server``) and the login session it was
    opened in (``session_hash``, see accounts/sessions.py): its cursor in the ``Feed`` of its
    kind of page, a mailbox of its own (heartbeats), and an outbox written by the
    ``Dispatcher``.

    The socket's own request thread only waits (``hold``) until the page goes away or the
    server stops, so a progress frame costs one wake-up of the dispatcher, not one per page.
    """

    def __init__(self, websocket, page: Page, feed: Feed, dispatcher: Wakeable,
                 session_hash: str | None = None):
        self.websocket = websocket
        self.page = page
        self.session_hash = session_hash
        self.feed = feed
        self.cursor = 0  # the feed holds the page's whole state: it is sent first
        self._dispatcher = dispatcher  # told when simple-websocket queues a frame
        self._socket = websocket.sock
        # With a timeout, Python would wait for the socket before each write, even MSG_DONTWAIT.
        self._socket.settimeout(None)
        websocket.sock = QueuedSocket(self._socket, self)
        self._pending: dict[str, str] = {}
        self._control: list[bytes] = []  # frames simple-websocket wrote (pings, pongs, close)
        self._outbox = b""  # the rest of what is being written (dispatcher only)
        self._lock = threading.Lock()
        self._written = threading.Condition(self._lock)
        self._close_code: int | None = None
        self._close_reason: str | None = None
        self._closed = threading.Event()
        self._broken = False  # a write failed, or the dispatcher let the page go
        self._closing = False  # somebody waits for the close frame to be written
        self.last_sent = 0.0

    def post(self, key: str, html: str) -> None:
        """Queue ``html`` for element ``key`` for this page alone, replacing anything older for
        it; it goes before what the feed has. The caller then tells the dispatcher."""
        with self._lock:
            self._pending.pop(key, None)
            self._pending[key] = html

    def queue_frame(self, frame: bytes) -> None:
        """A frame simple-websocket wrote: it goes out after what is being written now."""
        with self._lock:
            self._control.append(bytes(frame))
        self._dispatcher.pending((self,))

    @property
    def pending_count(self) -> int:
        """How many fragments wait for this page."""
        with self._lock:
            return len(self._pending) + len(self.feed.since(self.cursor)[1])

    def fileno(self) -> int:
        return self._socket.fileno()

    def write(self, take: TakeFromFeed, encode: EncodeMessage) -> bool:
        """Write what is waiting, as far as the socket takes it without blocking (called by the
        dispatcher only): ``take(feed, cursor)`` is ``Feed.since``, ``encode(fragments)`` gives
        the message for a tuple of fragments (both shared by the pages of one round).
        True when the socket is full and the rest must wait until it is writable."""
        outbox = self._outbox or self._take_outbox(take, encode)
        try:
            while outbox:
                outbox = outbox[self._socket.send(outbox, socket.MSG_DONTWAIT):]
        except BlockingIOError:
            self._outbox = memoryview(outbox)
            return True
        except OSError:  # a vanished browser: its request thread lets the page go
            self._broken = True
            self._closed.set()
        self._outbox = b""
        if self._closing:
            with self._written:
                self._written.notify_all()
        return False

    def _take_outbox(self, take: TakeFromFeed, encode: EncodeMessage) -> bytes:
        """The queued frames and the waiting fragments, as the bytes to write next."""
        control, pending = (), {}
        if self._control or self._pending:  # seldom: most rounds only the feed has news
            with self._lock:
                control, self._control = self._control, []
                pending, self._pending = self._pending, {}
        self.cursor, published = take(self.feed, self.cursor)
        fragments = (*pending.values(), *published) if pending else published
        message = b""
        if fragments and not self._close_code:
            message = encode(fragments)
            self.last_sent = time.monotonic()
        return b"".join(control) + message if control else message

    def wait_written(self, timeout: float) -> None:
        """Until every frame simple-websocket queued has been written (or ``timeout``)."""
        deadline = time.monotonic() + timeout
        self._closing = True
        with self._written:
            while (self._control or self._outbox) and not self._broken:
                if not self._written.wait(max(0.0, deadline - time.monotonic())):
                    return

    def let_go(self) -> None:
        """The dispatcher writes nothing more here (the page left): nobody waits for a write,
        e.g. simple-websocket's reader answering the browser's close after the page left."""
        with self._written:
            self._broken = True
            self._written.notify_all()

    def close(self, code: int, reason: str | None = None) -> None:
        """Ask the socket's thread to close the socket with ``code`` (and ``reason``)."""
        self._close_code = code
        self._close_reason = reason
        self._closed.set()

    def hold(self, check_seconds: float = 1.0) -> None:
        """Keep the request (and so the socket) open until the page goes or we close it."""
        while self.websocket.connected and not self._closed.wait(check_seconds):
            if self.websocket.receive(timeout=0) is not None:
                self._close_code = POLICY_VIOLATION  # browsers send nothing on this socket
                break
        if self.websocket.connected:
            self.websocket.close(reason=self._close_code, message=self._close_reason)
            self.wait_written(CLOSE_WRITE_SECONDS)
            # The reader thread ends when the browser answers the close. Once this returns the
            # server closes the socket, and a reader still waiting on it would never wake up (nor
            # let the process exit) until its next ping.
            self.websocket.thread.join(CLOSE_WRITE_SECONDS)


class QueuedSocket:
    """What simple-websocket sees as its socket: its writes join the page's outbox, so that
    a ping can never cut one of the dispatcher's frames in two; the rest is the real socket."""

    def __init__(self, real: socket.socket, viewer: Viewer):
        self._real = real
        self._viewer = viewer

    def send(self, data: bytes) -> int:
        self._viewer.queue_frame(data)
        return len(data)

    def close(self) -> None:
        """simple-websocket's reader ends: let its last frame (a close) out first."""
        self._viewer.wait_written(CLOSE_WRITE_SECONDS)
        self._real.close()

    def __getattr__(self, name: str):
        return getattr(self._real, name)
