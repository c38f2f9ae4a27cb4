"""Pieces OS's pushed streams (``/models/stream/identifiers``, ``/ollama/status/stream``): one
upstream socket each per panel process, open while anybody watches.

The thread connects, hands every text message to ``on_message``, says when it is connected or
not (``on_connected``, so the hub can poll less while pushes arrive), reconnects with a growing
back-off when the socket drops, and ends when ``wanted()`` turns false or ``stop`` is called.
"""
import logging
import threading
from collections.abc import Callable

import websocket

from .relay import FIRST_RETRY_SECONDS, LAST_RETRY_SECONDS, READ_WAKEUP_SECONDS

log = logging.getLogger(__name__)


class PushedStream:
    def __init__(self, name: str, address: Callable[[], str], on_message: Callable[[str], None],
                 wanted: Callable[[], bool], connect_timeout: float,
                 on_connected: Callable[[bool], None] = lambda connected: None):
        self.name = name
        self.address = address  # asked at each connection: Pieces OS may have moved meanwhile
        self.on_message = on_message
        self.wanted = wanted
        self.connect_timeout = connect_timeout
        self.on_connected = on_connected
        self.connected = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def ensure_running(self) -> None:
        with self._lock:
            if self._stopped.is_set() or self._thread and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run, name=f"stream-{self.name}",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _keep_going(self) -> bool:
        return not self._stopped.is_set() and self.wanted()

    def _run(self) -> None:
        retry_in = FIRST_RETRY_SECONDS
        while self._keep_going():
            if self._read_one_connection():
                retry_in = FIRST_RETRY_SECONDS
            if not self._keep_going():
                break
            self._stopped.wait(retry_in)
            retry_in = min(retry_in * 2, LAST_RETRY_SECONDS)
        with self._lock:
            self._thread = None

    def _read_one_connection(self) -> bool:
        """Read until the socket drops or nobody wants it; True if it was connected."""
        try:
            connection = websocket.create_connection(self.address(),
                                                     timeout=self.connect_timeout)
        except (OSError, websocket.WebSocketException) as error:
            log.info("cannot open the %s stream: %s", self.name, error)
            return False
        self.connected.set()
        self.on_connected(True)
        try:
            connection.settimeout(READ_WAKEUP_SECONDS)
            while self._keep_going():
                try:
                    data = connection.recv()
                except websocket.WebSocketTimeoutException:
                    continue
                if data == "" and not connection.connected:
                    break
                if isinstance(data, str):
                    self.on_message(data)
        except (OSError, websocket.WebSocketException) as error:
            log.info("the %s stream closed: %s", self.name, error)
        finally:
            self.connected.clear()
            self.on_connected(False)
            connection.close()
        return True
