"""A WSGI app on a loopback port that can die like a crashed process and come back on that port.

`ThreadedServer.stop()` (servers.py) closes the listening socket, but connections it has already
accepted — the panel's download-progress WebSockets, a request still being answered — go on with
their threads. `kill()` here also cuts every open connection, as the end of a process would, and
`restart(app)` listens on the same port again, so a client configured with the old address finds
it without being told.
"""

import socket
import threading

from werkzeug.serving import ThreadedWSGIServer


class _ConnectionTrackingServer(ThreadedWSGIServer):
    def __init__(self, *args, **kwargs):
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by its own thread


class RestartableServer:
    """Serves `app` on 127.0.0.1:`port` (0: a free port) in a background thread."""

    def __init__(self, app, port: int = 0):
        self._server = _ConnectionTrackingServer("127.0.0.1", port, app)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"restartable-server-{self.port}",
            daemon=True,
        )
        self.thread.start()

    @property
    def listening_socket(self) -> socket.socket:
        return self._server.socket

    def kill(self) -> None:
        """Stop listening and cut every open connection: connecting is refused from now on."""
        self._server.shutdown()
        self._server.server_close()
        self._server.cut_connections()
        self.thread.join(timeout=5)

    def restart(self, app) -> "RestartableServer":
        """A new server for `app` on this (killed) server's port."""
        return RestartableServer(app, self.port)
