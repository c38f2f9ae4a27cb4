"""The open browser pages: what each shows, and what waits to be written to its socket.

The hub publishes each change once per kind of page (``Page``), in that kind's ``Feed``; every
open page (``Viewer``) keeps a cursor in it, plus a small mailbox of its own. Only the dispatcher
(dispatcher.py) writes to the sockets, never waiting for one: what a slow or stalled browser
cannot take yet stays in its outbox, and it lags behind in its feed, which keeps only the newest
fragment per page element, so such a page costs bounded memory and holds up nobody.
simple-websocket's own frames (pings, pongs, the close) join the outbox through ``QueuedSocket``,
so they can never land in the middle of one of our frames.
"""
import re
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from .listing import list_query_of
from .models import MODEL_ID_PATTERN
from .rendering import safe_local_path

DETAIL_PATH = re.compile(r"/models/(?P<model_id>[^/]+)")
# Sent when the server stops, so that browsers reconnect by themselves (Service Restart).
SERVICE_RESTART = 1012
POLICY_VIOLATION = 1008
# How long a closing page waits for its close frame to be written before its socket is shut.
CLOSE_WRITE_SECONDS = 2.0


@dataclass(frozen=True)
class Page:
    """The page a socket belongs to: its URL, the model it shows (detail pages), the role of
    its user, and the address it was opened with (``http://panel.lan:8000/``), so fragments are
    rendered as that page's own requests would be (TRUSTED_HOSTS refuses any other host)."""

    url: str
    model_id: str | None = None
    role: str | None = None
    base_url: str | None = None

    @property
    def view(self) -> str:
        return "card" if self.model_id else "row"

    def shows(self, model_id: str) -> bool:
        return self.model_id is None or self.model_id == model_id

    @classmethod
    def from_url(cls, url: str | None, role: str | None = None,
                 base_url: str | None = None) -> "Page":
        """The page a browser says it is on; anything that is not a panel page is the list."""
        parts = urlsplit(safe_local_path(url))
        detail = DETAIL_PATH.fullmatch(parts.path)
        if detail and MODEL_ID_PATTERN.fullmatch(detail["model_id"]):
            return cls(parts.path, detail["model_id"], role, base_url)
        suffix = list_query_of(parts.geturl()).query_string()
        return cls("/?" + suffix if suffix else "/", None, role, base_url)


class Feed:
    """What the hub published for one kind of page: the newest fragment per page element, in
    the order they were published, each with a number. Every viewer of such a page keeps a
    cursor (the number of the last fragment it took), so publishing costs the same for one page
    or a hundred, and a slow page simply lags behind: memory is bounded by the elements."""

    def __init__(self):
        self.viewers: set[Viewer] = set()  # kept by the hub, under its lock
        self._entries: dict[str, tuple[int, str]] = {}  # element -> (number, html), in order
        self._last = 0
        self._lock = threading.Lock()

    @property
    def last(self) -> int:
        return self._last

    def post(self, key: str, html: str, replaces: tuple[str, ...] = ()) -> None:
        """Publish ``html`` for element ``key``; older fragments for it (or ``replaces``) go."""
        with self._lock:
            for old in (key, *replaces):
                self._entries.pop(old, None)
            self._last += 1
            self._entries[key] = (self._last, html)

    def since(self, cursor: int) -> tuple[int, tuple[str, ...]]:
        """The fragments published after ``cursor``, oldest first, and the new cursor."""
        with self._lock:
            newer = []
            for number, html in reversed(self._entries.values()):
                if number <= cursor:
                    break
                newer.append(html)
            return self._last, tuple(reversed(newer))


class Viewer:
    """A browser page's socket (a simple-websocket ``Server``): its cursor in the ``Feed`` of
    its kind of page, a mailbox of its own (the state it was opened with, heartbeats), and an
    outbox written by the ``Dispatcher``.

    The socket's own request thread only waits (``hold``) until the page goes away or the
    server stops, so a progress frame costs one wake-up of the dispatcher, not one per page.
    """

    def __init__(self, websocket, page: Page, feed: Feed, dispatcher):
        self.websocket = websocket
        self.page = page
        self.feed = feed
        self.cursor = feed.last  # what was published before is in the state it is sent first
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
        self._closed = threading.Event()
        self._broken = False  # a write failed: the connection is gone
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

    def write(self, take, encode) -> bool:
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

    def _take_outbox(self, take, encode) -> bytes:
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

    def close(self, code: int) -> None:
        """Ask the socket's thread to close the socket with ``code``."""
        self._close_code = code
        self._closed.set()

    def hold(self, check_seconds: float = 1.0) -> None:
        """Keep the request (and so the socket) open until the page goes or we close it."""
        while self.websocket.connected and not self._closed.wait(check_seconds):
            if self.websocket.receive(timeout=0) is not None:
                self._close_code = POLICY_VIOLATION  # browsers send nothing on this socket
                break
        if self.websocket.connected:
            reason = "server restarting" if self._close_code == SERVICE_RESTART else None
            self.websocket.close(reason=self._close_code, message=reason)
            self.wait_written(CLOSE_WRITE_SECONDS)


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
