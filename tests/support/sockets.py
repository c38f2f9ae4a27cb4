"""Stand-ins and readers for tests of the live pages on real socket pairs."""
import socket


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
