"""gunicorn settings for the panel, used by `make run` and `pieces-admin serve`.

Equivalent command line: ``gunicorn -c python:webapp.serving.gunicorn_conf 'webapp:create_app()'``.
"""
import gc
import os
import signal
import sys
import threading

from webapp.config import settings_from_env
from webapp.live.quota import RESERVED_DESCRIPTORS
from webapp.security.hosts import trusted_hosts
from webapp.serving.limits import raise_open_file_limit
from webapp.serving.memory import limit_malloc_arenas

_settings = settings_from_env()
# Refuses to start on 0.0.0.0 without TRUSTED_HOSTS, before any worker is forked.
trusted_hosts(_settings)
# Every open page holds a socket: the worker inherits a limit raised for LIVE_SOCKETS_TOTAL.
raise_open_file_limit(_settings["LIVE_SOCKETS_TOTAL"] + RESERVED_DESCRIPTORS)

bind = f"{_settings['HOST']}:{_settings['PORT']}"
# One process: the live hub (one upstream progress socket per download, the open pages' feeds)
# lives in memory and must be shared by every browser of the team.
workers = 1
# gthread: a thread serves one request at a time. An open page's live socket holds none: once
# its handshake is answered, the live dispatcher's one thread reads and writes every page's
# socket (docs/benchmarks.md has what that costs). Rendering holds the GIL, so threads do not
# serve pages faster; many are there for slow clients and requests waiting on Pieces OS, and
# they end once idle. Our subclass gives request headers a deadline (REQUEST_HEADER_SECONDS),
# lets the live sockets go and lets idle threads end (see worker.py).
worker_class = "webapp.serving.worker.HeaderDeadlineWorker"
threads = 256
# gunicorn 27 opens a control socket at a fixed path by default; two servers on one machine
# (the panel and the simulator) would collide on it.
control_socket_disable = True
graceful_timeout = 5
accesslog = "-"
# The live dispatcher gives up the GIL at every socket write, and a page being rendered meanwhile
# keeps it for up to CPython's switch interval (5 ms by default) each time: a shorter interval
# lets live updates through while pages render (measured in docs/benchmarks.md).
GIL_SWITCH_INTERVAL_SECONDS = 0.0005
# Request threads share this many malloc arenas instead of up to 8 per core (docs/benchmarks.md:
# the worker's memory after a busy minute).
MALLOC_ARENAS = 2
# After Ctrl-C the worker exits at once: how long it first lets the live sockets close.
INTERRUPT_CLOSE_SECONDS = 1.0
# After SIGTERM, how long the worker waits at its exit for the live sockets to close (the
# dispatcher gives browsers 3 s to answer the close).
LIVE_CLOSE_WAIT_SECONDS = 5.0


def _close_live_sockets(worker) -> None:
    hub = worker.wsgi.extensions.get("live_hub") if hasattr(worker, "wsgi") else None
    if hub is not None:
        hub.shutdown()


class _LiveSocketCloser:
    """Closes every page's live socket from a thread of its own, when a signal asks.

    A signal handler runs in the main thread between two bytecodes, and a second signal runs a
    second handler inside the first (a stopped process group gets SIGTERM from the shell and
    again from the master): a handler that takes a lock would then wait for itself until the
    graceful timeout. So the handler only writes a byte to a pipe, which takes no lock.
    """

    def __init__(self, worker):
        self._read, self._write = os.pipe()
        self.done = threading.Event()
        threading.Thread(target=self._run, args=(worker,), name="live-closer",
                         daemon=True).start()

    def ask(self) -> None:
        os.write(self._write, b"\0")

    def _run(self, worker) -> None:
        os.read(self._read, 1)
        _close_live_sockets(worker)
        self.done.set()


def post_worker_init(worker):
    """Tune the worker for live updates; on SIGTERM, close every page's live socket with 1012
    before gunicorn waits for them."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_SECONDS)
    limit_malloc_arenas(MALLOC_ARENAS)
    # The modules and the app loaded by now live as long as the worker. Frozen, they are left out
    # of every full garbage collection, whose pauses otherwise show in page loads while many
    # pages are open (docs/benchmarks.md).
    gc.freeze()
    worker.live_socket_closer = _LiveSocketCloser(worker)
    previous = signal.getsignal(signal.SIGTERM)

    def on_terminate(signum, frame):
        worker.live_socket_closer.ask()
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, on_terminate)


def worker_exit(server, worker):
    """The worker's loop ended (SIGTERM): the pages' sockets are the live dispatcher's, not
    gunicorn's, so wait here until their close frames are out."""
    closer = getattr(worker, "live_socket_closer", None)
    if closer is not None:
        closer.done.wait(LIVE_CLOSE_WAIT_SECONDS)


def worker_int(worker):
    """Ctrl-C (SIGINT): the same, so browsers reconnect to the next server by themselves; the
    worker exits right after this, so give the closing a moment."""
    closer = getattr(worker, "live_socket_closer", None)
    if closer is not None:
        closer.ask()
        closer.done.wait(INTERRUPT_CLOSE_SECONDS)
