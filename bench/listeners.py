"""Many WebSocket listeners in one process, as cheap as they can be made, for the benchmarks.

A page of the panel only listens, so a listener needs no WebSocket library: it does the opening
handshake itself and reads server frames, which are never masked. While the benchmark runs it only
stores what arrives, stamped with the time ``poll`` returned, and looks for one marker with a
substring test; frames are taken apart afterwards. A listener therefore costs a ``recv`` per
arrival, so that reading a hundred sockets does not show up as latency. It does not answer pings:
the panel under test must not send any during a run (a long ``LIVE_PING_SECONDS``). After a
message it polls without sleeping for a few milliseconds, as the next page's message is due
within microseconds.
"""

import base64
import os
import select
import socket
import struct
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

TEXT = 0x1
SPIN_SECONDS = 0.005


def open_socket(url: str, headers: dict[str, str], timeout: float = 30.0) -> socket.socket:
    """Connect and complete the WebSocket handshake; no extension (such as compression) offered."""
    parts = urlsplit(url)
    connection = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    try:
        _handshake(connection, url, headers)
    except BaseException:
        connection.close()
        raise
    connection.setblocking(False)
    return connection


def _handshake(connection: socket.socket, url: str, headers: dict[str, str]) -> None:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [
        f"GET {target} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Version: 13",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:  # peek, so that frames sent right after stay unread
        head = connection.recv(65536, socket.MSG_PEEK)
        if not head:
            raise ConnectionError(f"{url}: closed during the handshake")
    head = connection.recv(head.index(b"\r\n\r\n") + 4)
    if not head.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(f"{url}: {head.splitlines()[0].decode()}")


def open_sockets(
    url: str, headers: dict[str, str], count: int, in_flight: int, seconds: float
) -> list[socket.socket | None]:
    """``count`` sockets to ``url``, with at most ``in_flight`` handshakes at a time, all within
    ``seconds``; None for each that failed or was not tried in time.

    A server accepts handshakes only so fast, and one that stopped accepting (out of
    connections) must not hold up the benchmark: each handshake has what
    is left of ``seconds``, and the ones left when it runs out are not tried.
    """
    deadline = time.monotonic() + seconds

    def open_one(_index: int) -> socket.socket | None:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            return open_socket(url, headers, timeout=left)
        except OSError:  # refused, reset, timed out, or an answer other than 101
            return None

    with ThreadPoolExecutor(max_workers=in_flight) as pool:
        return list(pool.map(open_one, range(count)))


def text_messages(chunks: list[tuple[float, bytes]]) -> list[tuple[float, bytes]]:
    """The text messages in what one socket received, each with the time of the chunk that
    completed it (unfragmented frames, as the panel and the simulator send them)."""
    messages = []
    buffer = bytearray()
    for arrived, chunk in chunks:
        buffer += chunk
        while len(buffer) >= 2:
            opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                length, start = struct.unpack_from("!H", buffer, 2)[0], 4
            elif length == 127:
                length, start = struct.unpack_from("!Q", buffer, 2)[0], 10
            if len(buffer) < start + length:
                break
            if opcode == TEXT:
                messages.append((arrived, bytes(buffer[start : start + length])))
            del buffer[: start + length]
    return messages


class Listeners:
    """Sockets read together through one epoll loop; ``chunks[i]`` is what socket i received,
    as (arrival time from ``time.perf_counter``, bytes)."""

    def __init__(self, sockets: list[socket.socket]):
        self.sockets = sockets
        self.chunks: list[list[tuple[float, bytes]]] = [[] for _ in sockets]
        self.finished = [False] * len(sockets)  # received its marker
        self.closed = [False] * len(sockets)  # by the server
        self._poller = select.epoll()
        self._index_of = {connection.fileno(): index for index, connection in enumerate(sockets)}
        for fileno in self._index_of:
            self._poller.register(fileno, select.EPOLLIN)

    def run(self, seconds: float, markers: list[bytes] | None = None) -> None:
        """Read for ``seconds``, or until every socket received its marker (``markers[i]``:
        bytes that only its last message holds); without markers, what arrives is dropped."""
        deadline = time.monotonic() + seconds
        tails = [b""] * len(self.sockets)  # a marker may straddle two chunks
        buffer = bytearray(1 << 20)  # one buffer: a fresh megabyte per recv would cost more
        view = memoryview(buffer)
        waiting = sum(
            1
            for done, closed in zip(self.finished, self.closed, strict=True)
            if not done and not closed
        )
        spin_until = 0.0
        while waiting and time.monotonic() < deadline:
            # Spin while messages come in: waking a sleeping process costs more than the time
            # between two pages' messages, and would show up as latency.
            now = time.monotonic()
            timeout = 0 if now < spin_until else min(1.0, max(0.0, deadline - now))
            events = self._poller.poll(timeout)
            arrived = time.perf_counter()
            if events:
                spin_until = time.monotonic() + SPIN_SECONDS
            for fileno, _ in events:
                index = self._index_of[fileno]
                try:
                    size = self.sockets[index].recv_into(buffer)
                except BlockingIOError:
                    continue
                if not size:
                    self._poller.unregister(fileno)
                    self.closed[index] = True
                    waiting -= not self.finished[index]
                    continue
                if markers is None:
                    continue
                chunk = bytes(view[:size])
                self.chunks[index].append((arrived, chunk))
                if not self.finished[index] and markers[index] in tails[index] + chunk:
                    self.finished[index] = True
                    waiting -= 1
                tails[index] = chunk[-len(markers[index]) :]

    def close(self) -> None:
        self._poller.close()
        for connection in self.sockets:
            connection.close()
