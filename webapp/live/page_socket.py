"""One page's WebSocket after the handshake, as the dispatcher drives it without a thread of its
own: what the browser sends (pongs, pings, its close, a message it should not send), the pings
that find a vanished browser, and the close handshake.

simple-websocket answers the handshake in the request's thread (flask-sock's ``/live`` route);
``take_over`` then takes its socket and its wsproto ``Connection``, and the request ends. From
there only the dispatcher's thread touches them: ``read`` when the socket is readable, ``tick``
every second. What it must write (a pong, a ping, a close frame) it returns as bytes, which the
page's outbox writes after the message being written, so that no frame cuts another in two.
"""
import socket
import time

from wsproto.connection import Connection, ConnectionState
from wsproto.events import (
    BytesMessage,
    CloseConnection,
    Event,
    Ping,
    Pong,
    TextMessage,
)

# Close codes (RFC 6455 section 7.4.1).
POLICY_VIOLATION = 1008
MESSAGE_TOO_BIG = 1009
# Sent when the server stops, so that browsers reconnect by themselves (Service Restart).
SERVICE_RESTART = 1012
# Too many live sockets already: the page may try again later.
TRY_AGAIN_LATER = 1013

# Browsers send nothing on this socket; a message bigger than this is refused as too big.
MAX_INCOMING_MESSAGE_BYTES = 1024
# How long a close frame we sent waits for the browser's answer before the socket is shut.
CLOSE_WAIT_SECONDS = 2.0
RECEIVE_BYTES = 4096


def close_waited_too_long(since: float | None) -> bool:
    """Was a close asked for (or sent) at ``since``, at least CLOSE_WAIT_SECONDS ago?"""
    return since is not None and time.monotonic() - since >= CLOSE_WAIT_SECONDS


def take_over(websocket) -> tuple[socket.socket, Connection]:
    """The socket of a simple-websocket ``Server`` that answered the handshake, and its protocol
    state. The server's socket object is left detached: the web server closes it when the
    request ends, which no longer touches the connection (see serving/worker.py)."""
    connection = websocket.ws.connection
    taken = socket.socket(fileno=websocket.sock.detach())
    websocket.connected = False  # flask-sock closes the socket after the route: nothing to send
    return taken, connection


class NoReaderThread:
    """Given to simple-websocket as its ``thread_class``: it starts a reader thread per socket,
    and the dispatcher reads instead (see ``take_over``)."""

    def __init__(self, target):
        self.name = "unused"

    def start(self) -> None:
        pass


class PageSocket:
    """The protocol state of one page's socket (dispatcher thread only)."""

    def __init__(self, sock: socket.socket, connection: Connection, ping_seconds: float,
                 max_message_bytes: int):
        self.socket = sock
        self._connection = connection
        self._ping_seconds = ping_seconds
        self._max_message_bytes = max_message_bytes
        self._next_ping = time.monotonic() + ping_seconds
        self._pong_due = False
        self._message_bytes = 0  # of the message the browser is sending
        self._close_sent_at: float | None = None
        self.broken = False  # the connection failed or the browser went away

    def fileno(self) -> int:
        return self.socket.fileno()

    @property
    def open(self) -> bool:
        """Messages may still be sent (no close frame either way yet)."""
        return self._connection.state is ConnectionState.OPEN and not self.broken

    @property
    def closed(self) -> bool:
        """The close handshake is over (both sides sent their close frame)."""
        return self._connection.state is ConnectionState.CLOSED

    @property
    def close_overdue(self) -> bool:
        """A close frame went (or waits to go) out long enough ago: whatever the browser does,
        its socket is shut now."""
        return close_waited_too_long(self._close_sent_at)

    def read(self) -> bytes:
        """Take what the browser sent; returns what must be written in answer."""
        try:
            data = self.socket.recv(RECEIVE_BYTES, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return b""
        except OSError:
            data = b""
        if not data:
            self.broken = True
            return b""
        self._connection.receive_data(data)
        return b"".join(self._answer(event) for event in self._connection.events())

    def tick(self) -> bytes:
        """(About every second.) A ping when one is due; a close when the last went unanswered."""
        if not self.open or time.monotonic() < self._next_ping:
            return b""
        if self._pong_due:
            return self.close_frame(POLICY_VIOLATION, "Ping/Pong timeout")
        self._pong_due = True
        self._next_ping = time.monotonic() + self._ping_seconds
        return self._connection.send(Ping())

    def close_frame(self, code: int, reason: str | None = None) -> bytes:
        """Our close frame, once; after it the browser's answer ends the connection."""
        if not self.open:
            return b""
        self._close_sent_at = time.monotonic()
        return self._connection.send(CloseConnection(code, reason))

    def _answer(self, event: Event) -> bytes:
        if isinstance(event, CloseConnection):
            if self._connection.state is ConnectionState.REMOTE_CLOSING:
                self._close_sent_at = time.monotonic()
                return self._connection.send(event.response())
            if self.open:  # wsproto could not parse the frames: it says why, with the code
                return self.close_frame(event.code, event.reason)
            return b""  # the browser's answer to our close
        if isinstance(event, Ping) and self.open:
            return self._connection.send(event.response())
        if isinstance(event, Pong):
            self._pong_due = False
        elif isinstance(event, (TextMessage, BytesMessage)) and self.open:
            # Browsers send nothing on this socket: a message means something else is talking.
            self._message_bytes += len(event.data)
            if self._message_bytes > self._max_message_bytes:
                return self.close_frame(MESSAGE_TOO_BIG, "Message is too big")
            if event.message_finished:
                return self.close_frame(POLICY_VIOLATION)
        return b""
