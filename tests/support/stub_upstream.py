"""A programmable stand-in for Pieces OS, for answers the simulator never gives.

Tests set the status, body, content type and delay of the next answers and read back the
requests it received. Served on loopback like any other test server.
"""

import threading
import time
from dataclasses import dataclass, field


@dataclass
class StubUpstream:
    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/json"
    delay_seconds: float = 0.0
    received: list[str] = field(default_factory=list)
    raw_targets: list[str] = field(default_factory=list)  # as sent, percent-encoding and all
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def answer(
        self,
        status: int = 200,
        body: str | bytes = "{}",
        content_type: str = "application/json",
        delay_seconds: float = 0.0,
    ) -> None:
        self.status, self.content_type, self.delay_seconds = status, content_type, delay_seconds
        self.body = body.encode() if isinstance(body, str) else body

    def __call__(self, environ, start_response):
        with self._lock:
            self.received.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
            self.raw_targets.append(environ.get("RAW_URI") or environ.get("REQUEST_URI", ""))
        time.sleep(self.delay_seconds)
        start_response(
            f"{self.status} STUB",
            [("Content-Type", self.content_type), ("Content-Length", str(len(self.body)))],
        )
        return [self.body]
