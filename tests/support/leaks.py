"""What the test process holds — live threads and open sockets — to prove nothing was left behind.

The panel runs in-process under Flask's test client, so its threads (download relays, the live
hub's ticker) and sockets (the upstream client's pool, relay WebSockets) are the test process's.
Take `Held.now()` as a baseline, do something, then `assert_nothing_left_behind(baseline)`: it
polls until every thread and socket that appeared since has gone, and fails naming them if some
are still there after `timeout` seconds.
"""

import os
import socket
import threading
import time
from dataclasses import dataclass

SETTLE_TIMEOUT_SECONDS = 10.0


def open_sockets() -> frozenset[str]:
    """Every socket among this process's file descriptors, as `socket:[inode]`."""
    found = set()
    for descriptor in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{descriptor}")
        except OSError:
            continue  # closed while we looked
        if target.startswith("socket:"):
            found.add(target)
    return frozenset(found)


def socket_name(sock: socket.socket) -> str:
    """The name `open_sockets` gives `sock`."""
    return f"socket:[{os.fstat(sock.fileno()).st_ino}]"


@dataclass(frozen=True)
class Held:
    threads: frozenset[threading.Thread] = frozenset()
    sockets: frozenset[str] = frozenset()

    @classmethod
    def now(cls) -> "Held":
        return cls(frozenset(threading.enumerate()), open_sockets())

    def __sub__(self, other: "Held") -> "Held":
        return Held(self.threads - other.threads, self.sockets - other.sockets)

    def __or__(self, other: "Held") -> "Held":
        return Held(self.threads | other.threads, self.sockets | other.sockets)

    def __bool__(self) -> bool:
        return bool(self.threads or self.sockets)

    def describe(self) -> str:
        names = sorted(thread.name for thread in self.threads)
        return f"threads {names}, {len(self.sockets)} socket(s)"


def assert_nothing_left_behind(
    baseline: Held, expected: Held = Held(), timeout: float = SETTLE_TIMEOUT_SECONDS
) -> None:
    """Wait until nothing but `expected` is held beyond `baseline`; fail if that never happens."""
    deadline = time.monotonic() + timeout
    while extra := Held.now() - baseline - expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"left behind after {timeout:g} s: {extra.describe()}")
        time.sleep(0.02)
