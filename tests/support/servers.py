"""Serving WSGI apps on loopback for tests: in a thread (Werkzeug) or as a gunicorn process.

Also `wait_until`, for conditions a server reaches a moment after a request returns.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from werkzeug.serving import make_server

#: Subprocesses run here, so that they import this checkout's ``webapp``, not an installed one.
REPO_ROOT = Path(__file__).resolve().parents[2]
_LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


def wait_until(condition, what: str, timeout: float = 5.0):
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)
    return result


class ThreadedServer:
    """A WSGI app on 127.0.0.1 (a free port) served by Werkzeug's threaded server."""

    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"test-server-{self.url}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_in_thread(app) -> ThreadedServer:
    return ThreadedServer(app)


@dataclass
class GunicornServer:
    url: str
    process: subprocess.Popen
    log: list[str]  # what gunicorn and the app wrote to stderr, line by line, as it comes

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def serve_with_gunicorn(
    app_spec: str,
    *,
    threads: int = 64,
    startup_timeout: float = 30,
    config_module: str | None = None,
    env: dict | None = None,
    port: int = 0,
    own_process_group: bool = False,
) -> GunicornServer:
    """Start gunicorn (gthread, one worker) on a free loopback port and wait until it listens.

    gunicorn picks the port itself (`:0`) and prints it, so no other process can take it
    between choosing and binding. With ``config_module`` (e.g.
    ``webapp.serving.gunicorn_conf``) that file's settings are used instead of the defaults
    here; the bind address is still ours.
    ``port`` binds that port instead (e.g. to start a server again where it was before).
    ``own_process_group``: gunicorn leads a process group of its own, which a test can signal
    as a whole, as a service manager or a terminal's Ctrl-C does.
    """
    if config_module:
        options = ["-c", f"python:{config_module}"]
    else:
        options = [
            "-k",
            "gthread",
            "--threads",
            str(threads),
            "-w",
            "1",
            "--no-control-socket",
            "--graceful-timeout",
            "3",
        ]
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *options, "-b", f"127.0.0.1:{port}", app_spec],
        cwd=REPO_ROOT,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        start_new_session=own_process_group,
    )
    log: list[str] = []
    port = _wait_for_port(process, startup_timeout, log)
    return GunicornServer(url=f"http://127.0.0.1:{port}", process=process, log=log)


def _wait_for_port(process: subprocess.Popen, timeout: float, seen: list[str]) -> int:
    found: list[int] = []

    def read_log() -> None:
        for line in process.stderr:
            seen.append(line)
            match = _LISTENING.search(line)
            if match and not found:
                found.append(int(match.group(1)))
                started.set()
        started.set()  # the log ended: gunicorn exited

    started = threading.Event()
    # The reader keeps draining the log afterwards, so gunicorn never blocks on a full pipe.
    threading.Thread(target=read_log, daemon=True).start()
    started.wait(timeout)
    if not found:
        process.kill()
        process.wait()
        raise RuntimeError("gunicorn did not start:\n" + "".join(seen))
    return found[0]
