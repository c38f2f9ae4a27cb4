"""The open browser pages: what waits to be written to each one's socket.

The hub publishes each change once per kind of page, in that kind's ``Feed``; every open page
(``Viewer``) keeps a cursor in it, plus a small mailbox of its own. Only the dispatcher
(dispatcher.py) reads and writes the sockets, never waiting for one: what a slow or stalled
browser cannot take yet stays in its outbox, and it lags behind in its feed, which keeps only the
newest fragment per page element, so such a page costs bounded memory and holds up nobody. An
open page holds no thread: its request ended once the handshake was answered (route.py).
"""
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from .feeds import Feed
from .page_socket import PageSocket, close_waited_too_long
from .pages import Page

#: ``Feed.since``, or a shared cache of it: (feed, cursor) -> (new cursor, fragments).
TakeFromFeed = Callable[[Feed, int], tuple[int, tuple[str, ...]]]
#: Turns fragments into the bytes of the WebSocket messages that carry them.
EncodeMessage = Callable[[tuple[str, ...]], bytes]


class Wakeable(Protocol):
    """The dispatcher, as a page sees it: told which pages have something to write."""

    def pending(self, viewers: Iterable["Viewer"]) -> None: ...


class Viewer:
    """A browser page's socket (``PageSocket``), the account and login session it was opened in
    (``session_hash``, see accounts/sessions.py), its cursor in the ``Feed`` of its kind of
    page, a mailbox of its own (heartbeats, its live status) and an outbox written by the
    ``Dispatcher``. Other threads only post to it, close it, and tell the dispatcher.
    """

    def __init__(self, page_socket: PageSocket, page: Page, feed: Feed, dispatcher: Wakeable,
                 session_hash: str | None = None, account_id: int | None = None,
                 rendered_at: int | None = None):
        self.page_socket = page_socket
        self.page = page
        self.session_hash = session_hash
        self.account_id = account_id
        self.feed = feed
        self.cursor = 0  # the feed holds the page's whole state...
        # ...of which a page rendered at this revision is first sent what is newer (None: all).
        self._rendered_at = rendered_at
        self._dispatcher = dispatcher
        self._pending: dict[str, str] = {}
        self._control = b""  # frames of the protocol (pongs, pings, close): dispatcher only
        self._outbox = b""  # the rest of what is being written (dispatcher only)
        self._lock = threading.Lock()
        self._close: tuple[int, str | None] | None = None  # asked for by any thread
        self._close_asked_at: float | None = None
        self.last_sent = 0.0

    def post(self, key: str, html: str) -> None:
        """Queue ``html`` for element ``key`` for this page alone, replacing anything older for
        it; it goes before what the feed has. The caller then tells the dispatcher."""
        with self._lock:
            self._pending.pop(key, None)
            self._pending[key] = html

    def close(self, code: int, reason: str | None = None) -> None:
        """Close the page's socket with ``code`` (and ``reason``); from any thread."""
        with self._lock:
            if self._close is None:
                self._close, self._close_asked_at = (code, reason), time.monotonic()
        self._dispatcher.pending((self,))

    @property
    def pending_count(self) -> int:
        """How many fragments wait for this page."""
        with self._lock:
            return len(self._pending) + len(self._published_news(Feed.since)[1])

    def fileno(self) -> int:
        return self.page_socket.fileno()

    @property
    def finished(self) -> bool:
        """(Dispatcher.) Its socket can be shut: the connection ended and all was written, or a
        close has waited long enough (a browser that reads nothing never takes it)."""
        page_socket = self.page_socket
        if (page_socket.broken or page_socket.close_overdue
                or close_waited_too_long(self._close_asked_at)):
            return True
        return page_socket.closed and not self._outbox and not self._control

    def read(self) -> None:
        """(Dispatcher; the socket is readable.) What the browser sent may need an answer."""
        self._control += self.page_socket.read()

    def tick(self) -> bool:
        """(Dispatcher, about every second.) True when a ping or close must now be written."""
        frame = self.page_socket.tick()
        self._control += frame
        return bool(frame)

    def write(self, take: TakeFromFeed, encode: EncodeMessage) -> bool:
        """Write what is waiting, as far as the socket takes it without blocking (called by the
        dispatcher only): ``take(feed, cursor)`` is ``Feed.since``, ``encode(fragments)`` gives
        the messages for a tuple of fragments (both shared by the pages of one round).
        True when the socket is full and the rest must wait until it is writable.

        Once the rest of an earlier message is out, what was published meanwhile follows at
        once: the page was told of it while its socket was full, and nothing tells it again."""
        while outbox := self._outbox or self._take_outbox(take, encode):
            try:
                while outbox:
                    outbox = outbox[self.page_socket.socket.send(outbox, socket.MSG_DONTWAIT):]
            except BlockingIOError:
                self._outbox = memoryview(outbox)
                return True
            except OSError:  # a vanished browser: the dispatcher lets the page go
                self.page_socket.broken = True
                self._outbox = b""
                return False
            self._outbox = b""
        return False

    def _published_news(self, take: TakeFromFeed) -> tuple[int, tuple[str, ...]]:
        """What the feed has that the page has not shown yet, and the cursor after it."""
        if self._rendered_at is not None:
            return self.feed.changed_after(self._rendered_at)
        return take(self.feed, self.cursor)

    def _take_outbox(self, take: TakeFromFeed, encode: EncodeMessage) -> bytes:
        """The protocol's frames and the waiting fragments, as the bytes to write next. Once a
        close is asked for, no fragment goes out (a page whose session ended must not see one
        rendered for its old role): only the close frame."""
        pending, close = {}, None
        if self._pending or self._close:  # seldom: most rounds only the feed has news
            with self._lock:
                pending, self._pending = self._pending, {}
                close = self._close
        self.cursor, published = self._published_news(take)
        self._rendered_at = None
        fragments = (*pending.values(), *published) if pending else published
        control, self._control = self._control, b""
        if close:
            message = self.page_socket.close_frame(*close)
        elif fragments and self.page_socket.open:
            message = encode(fragments)
            self.last_sent = time.monotonic()
        else:
            message = b""
        return control + message if control else message
