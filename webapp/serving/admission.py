"""Who is served now: a few requests of each client at a time, each body within a deadline.

A WSGI middleware, in front of everything Flask does for a request. A client is an account when
the request carries a valid session cookie, otherwise the client's address. At most
REQUESTS_PER_CLIENT requests of one client are served at once; the next ones wait their turn
(REQUEST_WAIT_SECONDS at most, then 503), which costs a waiting connection no CPU. So one account
that sends 2 000 requests at once takes the same share of the panel as one that sends a few, and
everybody else is served meanwhile. A request's body must then arrive whole within
REQUEST_BODY_SECONDS (408), so that a client that trickles it cannot hold its turn.

The request line and headers have a deadline of gunicorn's (``keepalive`` in gunicorn_conf.py);
how many connections one address may open is the front proxy's or firewall's to bound
(docs/deploy.md), since every connection costs a greenlet before any Python code of ours runs.
"""

import io
import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import gevent
from flask import Flask
from gevent.monkey import is_module_patched
from werkzeug.exceptions import HTTPException, RequestTimeout, ServiceUnavailable
from werkzeug.wsgi import ClosingIterator, get_content_length

from .clients import ClientNames

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: How long a request waits for its client's turn before it is refused.
REQUEST_WAIT_SECONDS = 30.0
#: In the WSGI environ: give the client's slot back before the request ends (``free_slot``).
FREE_SLOT = "panel.free_client_slot"


class Turn:
    """A request's turn among its client's: ended once, early (``free_slot``) or at its end."""

    def __init__(self, end: Callable[[], None]):
        self._end: Callable[[], None] | None = end

    def end(self) -> None:
        end, self._end = self._end, None
        if end is not None:
            end()


@dataclass
class _Client:
    slots: threading.Semaphore
    requests: int = 0  # served or waiting; the client is forgotten at 0


@dataclass
class ClientSlots:
    """A counting semaphore per client, made when its first request comes and dropped with its
    last. ``threading`` primitives: gevent's under gunicorn's worker (which patches them), whose
    waiters are woken in the order they came."""

    per_client: int
    wait_seconds: float = REQUEST_WAIT_SECONDS
    _clients: dict[Hashable, _Client] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for_turn(self, client: Hashable) -> Turn | None:
        """``client``'s turn, once one of its slots is free; None after ``wait_seconds``."""
        with self._lock:
            entry = self._clients.get(client)
            if entry is None:
                entry = self._clients[client] = _Client(threading.Semaphore(self.per_client))
            entry.requests += 1
        if entry.slots.acquire(timeout=self.wait_seconds):
            return Turn(lambda: self._leave(client, entry, held=True))
        self._leave(client, entry, held=False)
        return None

    def _leave(self, client: Hashable, entry: _Client, held: bool) -> None:
        if held:
            entry.slots.release()
        with self._lock:
            entry.requests -= 1
            if entry.requests == 0:
                del self._clients[client]

    def known_clients(self) -> int:
        with self._lock:
            return len(self._clients)


class Admission:
    """The middleware: a turn for the client, then the whole body, then the app; the turn ends
    when the answer has been sent (or the socket settled)."""

    def __init__(
        self,
        wsgi_app: "WSGIApplication",
        clients: ClientNames,
        slots: ClientSlots,
        body_seconds: float,
        max_body_bytes: int,
    ):
        self.wsgi_app = wsgi_app
        self.clients = clients
        self.slots = slots
        self.body_seconds = body_seconds
        self.max_body_bytes = max_body_bytes

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        turn = self.slots.wait_for_turn(self.clients.name_of(environ))
        if turn is None:
            busy = ServiceUnavailable("The panel is too busy with your requests; try again.")
            return refusal(busy, environ, start_response)
        try:
            environ[FREE_SLOT] = turn.end
            if not self.read_body(environ):
                turn.end()
                slow = RequestTimeout("The request's body came too slowly.")
                return refusal(slow, environ, start_response)
            return ClosingIterator(self.wsgi_app(environ, start_response), turn.end)
        except BaseException:
            turn.end()
            raise

    def read_body(self, environ: "WSGIEnvironment") -> bool:
        """Read the body within the deadline (a chunked one up to one byte past the size limit,
        which Flask then refuses), and give it to the app from memory. False if it came too
        slowly."""
        length = get_content_length(environ)
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not length and not chunked:
            return True
        if length is not None and length > self.max_body_bytes:
            return True  # refused by Flask (413) before anything is read
        # Never past the announced length: some servers' input is the connection itself.
        wanted = length if length is not None else self.max_body_bytes + 1
        if not is_module_patched("socket"):  # not gevent's worker (a test's threaded server)
            body = environ["wsgi.input"].read(wanted)
        else:
            body = None
            with gevent.Timeout(self.body_seconds, False):
                body = environ["wsgi.input"].read(wanted)
        if body is None:
            return False
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return True


def refusal(
    error: HTTPException, environ: "WSGIEnvironment", start_response: "StartResponse"
) -> Iterable[bytes]:
    """A plain answer of the panel's own, given before Flask sees the request."""
    response = error.get_response(environ)
    response.headers["Retry-After"] = "5"
    response.headers["Cache-Control"] = "no-store"
    return response(environ, start_response)


def free_slot(environ: "WSGIEnvironment") -> None:
    """A request that stays open for long (a page's live socket) gives its client's turn back
    once it is settled: from then on the socket quota counts it."""
    end = environ.pop(FREE_SLOT, None)
    if end is not None:
        end()


def init_app(app: Flask) -> None:
    """Wrap the app; registered before the trusted-proxy middleware, which then runs first and
    gives this one the client's real address."""
    app.wsgi_app = Admission(  # type: ignore[method-assign]
        app.wsgi_app,
        ClientNames(app),
        ClientSlots(app.config["REQUESTS_PER_CLIENT"]),
        body_seconds=app.config["REQUEST_BODY_SECONDS"],
        max_body_bytes=app.config["MAX_REQUEST_KB"] * 1024,
    )
