"""nginx as a reference relay for the benchmarks: a reverse proxy in front of the simulator.

A WebSocket through nginx costs one upstream socket per viewer, and nginx only copies bytes, so
what it adds to a progress frame is what a relay that does nothing else adds on this machine. It
runs as a child process of the benchmark (``daemon off``) with its own prefix directory, config,
pid file and logs in a temporary directory, one worker, on a free loopback port.

Install it with ``make bench-setup`` (Debian's package, as CI installs Chromium).
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from harness import child_pids, worker_stats

CONFIG = """\
daemon off;
worker_processes 1;
worker_rlimit_nofile {open_files};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{
    worker_connections {connections};
}}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream_port};
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header Host $host;
            proxy_buffering off;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }}
    }}
}}
"""
MISSING = "nginx is not installed (the relay benchmark's reference): run `make bench-setup`."


def require_nginx() -> str:
    """The nginx executable, or exit saying how to install it."""
    # Debian installs it in /usr/sbin, which a non-root PATH may lack.
    path = shutil.which("nginx", path=os.environ.get("PATH", "") + os.pathsep + "/usr/sbin")
    if path is None:
        raise SystemExit(MISSING)
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NginxProxy:
    """nginx proxying every request and WebSocket on its port to ``upstream_port``.

    ``viewers``: how many proxied sockets it must hold at once; each takes two connections (the
    viewer's and its upstream socket)."""

    def __init__(self, upstream_port: int, viewers: int, open_files: int):
        self.executable = require_nginx()
        self.upstream_port = upstream_port
        self.connections = 2 * viewers + 256
        self.open_files = max(open_files, self.connections + 64)
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "NginxProxy":
        self._prefix = tempfile.TemporaryDirectory(prefix="bench-nginx-")
        prefix = Path(self._prefix.name)
        self.port = free_port()
        config = prefix / "nginx.conf"
        config.write_text(
            CONFIG.format(
                prefix=prefix,
                port=self.port,
                upstream_port=self.upstream_port,
                connections=self.connections,
                open_files=self.open_files,
            )
        )
        self.process = subprocess.Popen(
            [
                self.executable,
                "-p",
                str(prefix),
                "-e",
                str(prefix / "error.log"),
                "-c",
                str(config),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # master and worker stop together, not on the terminal's ^C
        try:
            self._wait_until_listening(prefix / "error.log")
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_until_listening(self, error_log: Path) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("nginx did not start: " + error_log.read_text()[-500:])
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not listen within 10 s")

    def __exit__(self, *_exc) -> None:
        """Fast shutdown (SIGTERM: open WebSockets are cut), then SIGKILL if it lingers."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._prefix.cleanup()

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def worker_stats(self) -> dict:
        """RSS and threads of nginx's (single) worker process."""
        return worker_stats(child_pids(self.process.pid)[0])
