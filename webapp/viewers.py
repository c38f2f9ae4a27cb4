"""One open browser page: what it shows, and a mailbox of fragments waiting to be sent to it.

The mailbox keeps only the newest fragment per page element, so a slow or stalled browser costs
bounded memory and never holds up anybody else: its thread sends whatever is newest when the
browser is ready again.
"""
import logging
import re
import select
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from simple_websocket import ConnectionClosed
from wsproto.utilities import LocalProtocolError

from .listing import list_query_of
from .models import MODEL_ID_PATTERN
from .rendering import safe_local_path

log = logging.getLogger(__name__)
DETAIL_PATH = re.compile(r"/models/(?P<model_id>[^/]+)")
# Sent when the server stops, so that browsers reconnect by themselves (Service Restart).
SERVICE_RESTART = 1012
POLICY_VIOLATION = 1008


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


class Viewer:
    """A browser page's socket: a mailbox filled by the hub, emptied by the ``Dispatcher``.

    The socket's own request thread only waits (``hold``) until the page goes away or the
    server stops, so a progress frame costs one wake-up of the dispatcher, not one per page.
    """

    def __init__(self, socket, page: Page, on_pending):
        self.socket = socket
        self.page = page
        self._on_pending = on_pending  # (viewer) -> None: tells the dispatcher
        self._pending: dict[str, str] = {}
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._close_code: int | None = None
        self._closed = threading.Event()
        self.last_sent = 0.0

    def post(self, key: str, html: str, replaces: tuple[str, ...] = ()) -> None:
        """Queue ``html`` for element ``key``, replacing anything older for it (or ``replaces``)."""
        with self._lock:
            for old in (key, *replaces):
                self._pending.pop(old, None)
            self._pending[key] = html
        self._on_pending(self)

    @property
    def pending_count(self) -> int:
        with self._lock:
            return len(self._pending)

    def ready_to_send(self) -> bool:
        """True when the socket can take a message without blocking the dispatcher."""
        try:
            return bool(select.select([], [self.socket.sock], [], 0)[1])
        except (OSError, ValueError):
            return True  # a closed socket: sending fails at once and the viewer is dropped

    def flush(self) -> None:
        """Send everything pending as one message (called by the dispatcher only)."""
        with self._lock:
            batch = "".join(self._pending.values())
            self._pending.clear()
        if not batch or self._closed.is_set():
            return
        try:
            with self._send_lock:  # concurrent sends would corrupt a compressed stream
                self.socket.send(batch)
            self.last_sent = time.monotonic()
        except (ConnectionClosed, OSError, LocalProtocolError):
            # A vanished or stuck browser, or a socket already closing: its thread closes it.
            self._closed.set()

    def close(self, code: int) -> None:
        """Ask the socket's thread to close the socket with ``code``."""
        self._close_code = code
        self._closed.set()

    def hold(self, check_seconds: float = 1.0) -> None:
        """Keep the request (and so the socket) open until the page goes or we close it."""
        while self.socket.connected and not self._closed.wait(check_seconds):
            if self.socket.receive(timeout=0) is not None:
                self._close_code = POLICY_VIOLATION  # browsers send nothing on this socket
                break
        with self._send_lock:
            if self.socket.connected:
                reason = "server restarting" if self._close_code == SERVICE_RESTART else None
                self.socket.close(reason=self._close_code, message=reason)


class Dispatcher:
    """One thread that sends every page's pending fragments, and a heartbeat to idle pages.

    A page whose socket cannot take more (a slow or stalled browser) is skipped and retried
    shortly; its mailbox keeps only the newest fragment per element meanwhile.
    """

    RETRY_SECONDS = 0.05

    def __init__(self, heartbeat_seconds: float, heartbeat_html):
        self.heartbeat_seconds = heartbeat_seconds
        self.heartbeat_html = heartbeat_html  # () -> str
        self._due: set[Viewer] = set()
        self._viewers: set[Viewer] = set()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def add(self, viewer: Viewer) -> None:
        with self._wake:
            self._viewers.add(viewer)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="live-dispatcher",
                                                daemon=True)
                self._thread.start()

    def remove(self, viewer: Viewer) -> None:
        with self._wake:
            self._viewers.discard(viewer)
            self._due.discard(viewer)

    def pending(self, viewer: Viewer) -> None:
        with self._wake:
            self._due.add(viewer)
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()

    def _run(self) -> None:
        waiting: set[Viewer] = set()
        while True:
            with self._wake:
                if not self._due and not self._stopping:
                    self._wake.wait(self.RETRY_SECONDS if waiting else 1.0)
                if self._stopping or not self._viewers:
                    self._thread = None
                    return
                due, self._due = self._due | waiting, set()
                everyone = list(self._viewers)
            self._post_heartbeats(everyone)
            waiting = set()
            for viewer in due:
                if not viewer.ready_to_send():
                    waiting.add(viewer)
                    continue
                try:
                    viewer.flush()
                except Exception:  # one page's failure must never stop every other page's
                    log.exception("could not send to a live page; closing it")
                    viewer.close(POLICY_VIOLATION)

    def _post_heartbeats(self, viewers: list[Viewer]) -> None:
        now = time.monotonic()
        quiet = [viewer for viewer in viewers if now - viewer.last_sent >= self.heartbeat_seconds]
        if quiet:
            html = self.heartbeat_html()
            for viewer in quiet:
                viewer.post("live-status", html)
