"""One upstream WebSocket read in a background thread: a model's download-progress socket, or one
of Pieces OS's pushed streams. Every message, the connection and its loss are handed to
callbacks (which post them to the host's loop); the loop decides whether to connect again.
"""

import logging
import threading
from collections.abc import Callable

import websocket

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 0.5
LAST_RETRY_SECONDS = 10.0
# How often a blocked read wakes up to see whether the reader was asked to stop.
READ_WAKEUP_SECONDS = 0.5


class SocketReader:
    """Reads one connection to ``address()`` until it drops or ``stop()`` is called:
    ``on_connected(self)``, then ``on_message(self, text)`` per message, then ``on_lost(self)``
    if it ended by itself (never after ``stop()``)."""

    def __init__(
        self,
        name: str,
        address: Callable[[], str],
        connect_timeout: float,
        on_message: Callable[["SocketReader", str | bytes], None],
        on_lost: Callable[["SocketReader"], None],
        on_connected: Callable[["SocketReader"], None] = lambda reader: None,
    ):
        self.name = name
        self.address = address  # asked at each connection: Pieces OS may have moved meanwhile
        self.connect_timeout = connect_timeout
        self.on_message = on_message
        self.on_lost = on_lost
        self.on_connected = on_connected
        self.connected = threading.Event()
        self._stopped = threading.Event()

    def start(self) -> "SocketReader":
        threading.Thread(target=self._run, name=f"reader-{self.name}", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        try:
            connection = websocket.create_connection(self.address(), timeout=self.connect_timeout)
        except (OSError, websocket.WebSocketException) as error:
            log.info("cannot open the %s socket: %s", self.name, error)
            self._lost()
            return
        try:
            connection.settimeout(READ_WAKEUP_SECONDS)
            self.connected.set()
            self.on_connected(self)
            while not self._stopped.is_set():
                try:
                    data = connection.recv()
                except websocket.WebSocketTimeoutException:
                    continue
                if data == "" and not connection.connected:
                    break
                self.on_message(self, data)
        except (OSError, websocket.WebSocketException) as error:
            log.info("the %s socket closed: %s", self.name, error)
        finally:
            self.connected.clear()
            connection.close()
        self._lost()

    def _lost(self) -> None:
        if not self._stopped.is_set():
            self.on_lost(self)


def next_retry(seconds: float | None) -> float:
    """The back-off before the next attempt, after one that waited ``seconds`` (None: none)."""
    return FIRST_RETRY_SECONDS if seconds is None else min(seconds * 2, LAST_RETRY_SECONDS)
