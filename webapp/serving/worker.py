"""gunicorn's gthread worker with a deadline for request headers, which lets live sockets go.

gthread reads a request's headers in a pool thread with no time limit once the first byte has
arrived, so clients that send a header line now and then can hold every thread and freeze the
panel. This worker gives each connection REQUEST_HEADER_SECONDS from the moment a thread takes
it until its headers are complete; the worker's main loop (which wakes at least every second)
shuts the socket of any connection past it, which ends the thread's read at once. The body and
the response are not limited here: bodies are small (MAX_REQUEST_KB), and a front proxy bounds
the rest (docs/deploy.md).

Its request threads come from a pool whose idle threads end (pool.py): a burst of requests does
not keep its peak of threads for the life of the process.

A page's live socket is taken over by the live dispatcher once its handshake is answered
(live/page_socket.py), leaving gunicorn a detached socket object: its connection is counted as
ended, and not closed (gthread would half-close it and wait for the browser's end).
"""
import socket
import threading
import time

from gunicorn.workers.gthread import ThreadWorker

from webapp.config import settings_from_env
from webapp.serving.memory import give_back_free_memory
from webapp.serving.pool import ShrinkingThreadPool

# A request thread that finds no work for this long ends; the pool starts one again on demand.
THREAD_IDLE_SECONDS = 10.0


class HeaderDeadlineWorker(ThreadWorker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.header_seconds = settings_from_env()["REQUEST_HEADER_SECONDS"]
        self._reading: dict[object, float] = {}  # connection -> deadline of its headers
        self._reading_lock = threading.Lock()

    def get_thread_pool(self):
        return ShrinkingThreadPool(self.cfg.threads, THREAD_IDLE_SECONDS,
                                   on_idle_thread_end=give_back_free_memory)

    def handle(self, conn):
        """(A pool thread.) Read and serve one request, its headers within the deadline."""
        with self._reading_lock:
            self._reading[conn] = time.monotonic() + self.header_seconds
        try:
            return super().handle(conn)
        finally:
            self._headers_read(conn)

    def handle_request(self, req, conn):
        """(A pool thread.) The headers are in: from here on no deadline applies."""
        self._headers_read(conn)
        return super().handle_request(req, conn)

    def finish_request(self, conn, fs):
        """(The main loop.) A request ended; its connection may be the live dispatcher's now."""
        if conn.sock.fileno() == -1:
            self.nr_conns -= 1
            return
        super().finish_request(conn, fs)

    def murder_pending(self):
        """(The main loop, at least every second.) Also end header reads past their deadline."""
        super().murder_pending()
        now = time.monotonic()
        with self._reading_lock:
            late = [conn for conn, deadline in self._reading.items() if deadline <= now]
            for conn in late:
                del self._reading[conn]
        for conn in late:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already gone
            self.log.info("Closed a connection that sent no complete request headers in %g s",
                          self.header_seconds)

    def _headers_read(self, conn) -> None:
        with self._reading_lock:
            self._reading.pop(conn, None)
