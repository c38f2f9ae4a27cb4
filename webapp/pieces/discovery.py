"""Find a running Pieces OS the way the official clients do, in their order.

1. The port file Pieces OS writes when it starts on this machine
   (``com.pieces.os/production/Config/.port.txt`` under the user's Documents folder, or under
   Library on macOS), since Pieces OS picks a new port in 39300-39333 each time it starts;
2. then each port of 39300-39333;
3. then the old default ports, 1000 and (on Linux) 5323, last.

A candidate counts when ``HEAD /.well-known/health`` answers 200 within a very short timeout.
"""

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

PORT_RANGE = range(39300, 39334)
LEGACY_PORTS = (1000, 5323) if sys.platform.startswith("linux") else (1000,)
PROBE_TIMEOUT_SECONDS = 0.1
PORT_FILE_PARTS = ("com.pieces.os", "production", "Config", ".port.txt")
HOST = "127.0.0.1"


def default_port_file() -> Path:
    """Where Pieces OS writes its port on this machine."""
    base = Path.home() / ("Library" if sys.platform == "darwin" else "Documents")
    return base.joinpath(*PORT_FILE_PARTS)


def port_in_file(port_file: Path) -> int | None:
    """The port written in ``port_file``, if it holds one."""
    try:
        text = port_file.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() and 0 < int(text) < 65536 else None


def candidate_urls(port_file: str | Path | None = None, host: str = HOST) -> list[str]:
    """Where to look, in order; each address once."""
    written = port_in_file(Path(port_file) if port_file else default_port_file())
    ports = [written] if written else []
    ports += [port for port in (*PORT_RANGE, *LEGACY_PORTS) if port != written]
    return [f"http://{host}:{port}" for port in ports]


def answers_health(url: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> bool:
    try:
        response = requests.head(
            f"{url}/.well-known/health", timeout=timeout, allow_redirects=False
        )
    except requests.RequestException:
        return False
    return response.status_code == 200


def discover(
    candidates: list[str] | None = None, timeout: float = PROBE_TIMEOUT_SECONDS
) -> str | None:
    """Return the first candidate URL whose health check answers 200, or None."""
    for url in candidates if candidates is not None else candidate_urls():
        if answers_health(url, timeout):
            return url
    return None


class Locator:
    """Looks for Pieces OS again when it stopped answering where it was found, at most once
    every ``interval_seconds`` (a restart takes a few seconds; pages must not each scan)."""

    def __init__(
        self,
        find: Callable[[], str | None],
        interval_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._find = find
        self.interval_seconds = interval_seconds
        self._clock = clock
        self._last_look: float | None = None
        self._lock = threading.Lock()

    def relocate(self) -> str | None:
        """Where Pieces OS answers now, if it is time to look and it answers anywhere."""
        with self._lock:
            now = self._clock()
            if self._last_look is not None and now - self._last_look < self.interval_seconds:
                return None
            self._last_look = now
        return self._find()
