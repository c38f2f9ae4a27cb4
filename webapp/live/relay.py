"""One upstream progress socket per downloading model, relayed into the hub.

The thread connects to Pieces OS's ``/model/{id}/download/progress`` socket and hands every text
frame to ``on_frame``. When the socket drops during a download it asks ``still_downloading``
(which checks ``GET /model/{id}``) and reconnects with a growing back-off, or ends.
"""
import logging
import threading
from collections.abc import Callable

import websocket

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 0.5
LAST_RETRY_SECONDS = 10.0
# How often a blocked read wakes up to see whether the relay was asked to stop.
READ_WAKEUP_SECONDS = 0.5

#: Takes one frame of a model's progress socket; True when the download has ended.
FrameHandler = Callable[[str, str | bytes], bool]
#: Asked when the socket dropped: is the model still downloading (so reconnect)?
DownloadCheck = Callable[[str], bool]


class ProgressRelay:
    """Reads one model's progress socket in a background thread until the download ends."""

    def __init__(self, address: Callable[[], str], model_id: str, on_frame: FrameHandler,
                 still_downloading: DownloadCheck, connect_timeout: float):
        self.address = address  # asked at each connection: Pieces OS may have moved meanwhile
        self.model_id = model_id
        self.on_frame = on_frame
        self.still_downloading = still_downloading
        self.connect_timeout = connect_timeout
        self.connected = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"relay-{model_id}", daemon=True)

    def start(self) -> "ProgressRelay":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._stopped.is_set()

    def _run(self) -> None:
        retry_in = FIRST_RETRY_SECONDS
        while not self._stopped.is_set():
            if self._relay_one_connection():
                return
            if self._stopped.is_set() or not self.still_downloading(self.model_id):
                return
            log.info("progress socket of %s lost; reconnecting in %.1f s", self.model_id, retry_in)
            self._stopped.wait(retry_in)
            retry_in = min(retry_in * 2, LAST_RETRY_SECONDS)

    def _relay_one_connection(self) -> bool:
        """Relay frames until the download ends (True) or the connection is lost (False)."""
        try:
            connection = websocket.create_connection(self.address(),
                                                     timeout=self.connect_timeout)
        except (OSError, websocket.WebSocketException) as error:
            log.info("cannot open progress socket of %s: %s", self.model_id, error)
            return False
        try:
            connection.settimeout(READ_WAKEUP_SECONDS)
            self.connected.set()
            while not self._stopped.is_set():
                try:
                    data = connection.recv()
                except websocket.WebSocketTimeoutException:
                    continue
                if data == "" and not connection.connected:
                    return False
                if self.on_frame(self.model_id, data):
                    return True
            return True
        except (OSError, websocket.WebSocketException) as error:
            log.info("progress socket of %s closed: %s", self.model_id, error)
            return False
        finally:
            self.connected.clear()
            connection.close()
