"""gunicorn settings for the panel, used by `make run` and `pieces-admin serve`.

Equivalent command line: ``gunicorn -c python:webapp.serving.gunicorn_conf 'webapp:create_app()'``.
"""

import signal
import time
from types import FrameType
from typing import TYPE_CHECKING

import gevent

from webapp.config import settings_from_env
from webapp.security.hosts import trusted_hosts
from webapp.serving.limits import RESERVED_DESCRIPTORS, raise_open_file_limit

if TYPE_CHECKING:
    from gunicorn.arbiter import Arbiter
    from gunicorn.workers.base import Worker

_settings = settings_from_env()
# Refuses to start on 0.0.0.0 without TRUSTED_HOSTS, before any worker is forked.
trusted_hosts(_settings)
# Every open page holds a socket: the worker inherits a limit raised for LIVE_SOCKETS_TOTAL.
raise_open_file_limit(_settings["LIVE_SOCKETS_TOTAL"] + RESERVED_DESCRIPTORS)

bind = f"{_settings['HOST']}:{_settings['PORT']}"
# One process: the live state (one upstream progress socket per download, the open pages' feeds)
# lives in memory and must be shared by every browser of the team.
workers = 1
# gevent: each connection is served by a greenlet of its own, so an open page's live socket costs
# a greenlet or two and a file descriptor, not an OS thread.
worker_class = "gevent"
# The most connections the worker serves at once: every open page plus room for requests.
worker_connections = _settings["LIVE_SOCKETS_TOTAL"] + 1000
# The request line and headers must arrive within this many seconds in all (the gevent worker
# reads each request under one timeout of this length), and an idle kept-alive connection is
# closed after as long. The body has a deadline of the panel's own (serving/admission.py).
keepalive = 2
# gunicorn 27 opens a control socket at a fixed path by default; two servers on one machine
# (the panel and the simulator) would collide on it.
control_socket_disable = True
graceful_timeout = 5
accesslog = "-"
# When the worker is about to exit at once (Ctrl-C, or ending without a signal): how long it first
# lets the pages' sockets send their close frames.
LIVE_CLOSE_SECONDS = 1.0


def _start_closing_live_sockets(worker: "Worker") -> float | None:
    """Ask the live core, once, to close every page's socket with 1012 (service restart), so that
    browsers reconnect to the next server. Returns until when the closing should be given time,
    or None where there is no live core (the master, an app that failed to load)."""
    if not hasattr(worker, "live_close_deadline"):
        fleet = getattr(getattr(worker, "wsgi", None), "extensions", {}).get("fleet")
        shutdown = getattr(fleet, "shutdown", None)
        worker.live_close_deadline = None
        if callable(shutdown):
            worker.live_close_deadline = time.monotonic() + LIVE_CLOSE_SECONDS
            shutdown()
    return worker.live_close_deadline


def _let_live_sockets_close(worker: "Worker") -> None:
    """Start the closing if need be, then yield to the pages' greenlets until its deadline."""
    deadline = _start_closing_live_sockets(worker)
    if deadline is not None:
        gevent.sleep(max(0.0, deadline - time.monotonic()))


def post_worker_init(worker: "Worker") -> None:
    """On SIGTERM, close the pages' live sockets while gunicorn's gevent worker waits (up to
    graceful_timeout) for its connections to end.

    gunicorn's own SIGTERM handler only marks the worker as stopping; ours also spawns a greenlet
    to do the closing, as the gevent worker itself does for SIGQUIT: a signal handler must not
    block."""
    previous = signal.getsignal(signal.SIGTERM)

    def on_terminate(signum: int, frame: FrameType | None) -> None:
        if callable(previous):
            previous(signum, frame)
        if not getattr(worker, "live_close_asked", False):
            worker.live_close_asked = True
            gevent.spawn(_start_closing_live_sockets, worker)

    signal.signal(signal.SIGTERM, on_terminate)


def worker_int(worker: "Worker") -> None:
    """Ctrl-C (SIGINT) or SIGQUIT, in a greenlet of gunicorn's: close the live sockets and give
    them a moment, as the worker exits right after.

    Ctrl-C reaches the worker twice (SIGINT from the terminal, SIGQUIT from the master). The second
    call waits instead of returning: the first one's exit ends the process, and a second exit
    meanwhile would be printed as a failed greenlet."""
    if getattr(worker, "interrupted", False):
        gevent.sleep(worker.cfg.graceful_timeout)
        return
    worker.interrupted = True
    _let_live_sockets_close(worker)


def worker_exit(server: "Arbiter", worker: "Worker") -> None:
    """The worker is ending by any other way too (its master gone, max_requests): the same, if no
    signal has done it yet."""
    _let_live_sockets_close(worker)
