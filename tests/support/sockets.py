"""Stand-ins and readers for tests of the live pages on real socket pairs."""
import socket

from simple_websocket import Server
from webapp.live.page_socket import NoReaderThread, take_over
from wsproto.connection import Connection, ConnectionType
from wsproto.events import Event

HANDSHAKE = {"HTTP_HOST": "panel.test", "HTTP_UPGRADE": "websocket",
             "HTTP_CONNECTION": "Upgrade", "HTTP_SEC_WEBSOCKET_VERSION": "13",
             "HTTP_SEC_WEBSOCKET_KEY": "dGhlIHNhbXBsZSBub25jZQ=="}


class Recorder:
    """Stands in for the dispatcher: remembers which pages were said to have something."""

    def __init__(self):
        self.told = []

    def pending(self, viewers):
        self.told += viewers


def read_available(sock: socket.socket) -> bytes:
    sock.setblocking(False)
    received = b""
    try:
        while chunk := sock.recv(1 << 20):
            received += chunk
    except BlockingIOError:
        pass
    return received


def handshake_answered() -> tuple[socket.socket, Connection, socket.socket]:
    """A socket whose handshake simple-websocket answered, as the ``/live`` route does, taken
    over (its socket, its wsproto connection), and the browser's end of it."""
    server_end, browser_end = socket.socketpair()
    server = Server({"werkzeug.socket": server_end, **HANDSHAKE}, thread_class=NoReaderThread)
    assert b"101 Switching Protocols" in browser_end.recv(4096)
    return *take_over(server), browser_end


class Browser:
    """The browser's end of a page's socket, speaking WebSocket with wsproto."""

    def __init__(self, sock: socket.socket):
        self.socket = sock
        self.connection = Connection(ConnectionType.CLIENT)

    def send(self, event: Event) -> None:
        self.socket.sendall(self.connection.send(event))

    def events(self, timeout: float = 5.0) -> list[Event]:
        """What the panel sent: waits up to ``timeout`` for something, then takes all there is
        (an empty list when the panel shut the socket without a word)."""
        self.socket.settimeout(timeout)
        data = self.socket.recv(1 << 20)
        if not data:
            return []
        self.connection.receive_data(data + read_available(self.socket))
        return list(self.connection.events())
