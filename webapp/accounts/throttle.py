"""Slowing down password guessing without letting strangers lock anybody out.

Three counts of failed logins: per address and name together (a wall after a few), per address
(a wall after more: one address guessing many names), and per name alone, whatever the address.
The last one cannot be a wall, or anybody could lock the admin out by typing "admin" and wrong
passwords; it is a delay instead, growing with the failures and capped, and an address that has
signed in as that name before (sign_ins.py, in the database) does not wait for it at all.

The failures are kept in memory: the panel runs as one process (see gunicorn_conf.py), and a
restart merely forgets recent ones.
"""

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

PAIR_MAX_FAILURES = 5
ADDRESS_MAX_FAILURES = 20
WINDOW_SECONDS = 60.0
# The name alone: this many failures are free, then each attempt waits 1, 2, 4, ... seconds
# after the last failure, at most NAME_MAX_DELAY_SECONDS; failures count for NAME_WINDOW_SECONDS.
NAME_FREE_FAILURES = 5
NAME_MAX_DELAY_SECONDS = 30.0
NAME_WINDOW_SECONDS = 15 * 60.0
# Beyond this many tracked keys, keys whose failures have all expired are dropped.
MAX_TRACKED_KEYS = 10_000


class FailureWindow:
    """Counts failures per key (e.g. ``"10.0.0.5"``) in a sliding window; a key with
    ``max_failures`` failures in the window is blocked until the oldest one leaves it.
    Thread-safe."""

    def __init__(
        self, max_failures: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ):
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def seconds_blocked(self, keys: Iterable[str]) -> float:
        """0 if a login may be tried for all ``keys``; otherwise seconds to wait."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._prune(self._failures.get(key, deque()), now)
                if len(times) >= self.max_failures:
                    wait = max(wait, times[0] + self.window_seconds - now)
        return wait

    def recent(self, key: str) -> list[float]:
        """The times of ``key``'s failures still in the window, oldest first."""
        with self._lock:
            return list(self._prune(self._failures.get(key, deque()), self._clock()))

    def failed(self, keys: Iterable[str]) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) >= MAX_TRACKED_KEYS:
                self._forget_expired(now)
            for key in keys:
                times = self._failures.setdefault(key, deque(maxlen=self.max_failures))
                self._prune(times, now).append(now)

    def clear(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def _prune(self, times: deque[float], now: float) -> deque[float]:
        """``times`` without the failures that have left the window."""
        while times and times[0] <= now - self.window_seconds:
            times.popleft()
        return times

    def _forget_expired(self, now: float) -> None:
        for key in [
            key
            for key, times in self._failures.items()
            if not times or times[-1] <= now - self.window_seconds
        ]:
            del self._failures[key]


class LoginThrottle:
    """The three counts together: ``seconds_to_wait`` before trying a login, ``failed`` and
    ``succeeded`` after it. Names are compared ignoring case."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._pairs = FailureWindow(PAIR_MAX_FAILURES, WINDOW_SECONDS, clock)
        self._addresses = FailureWindow(ADDRESS_MAX_FAILURES, WINDOW_SECONDS, clock)
        # Long enough for the delay to grow to its cap.
        self._names = FailureWindow(NAME_FREE_FAILURES + 8, NAME_WINDOW_SECONDS, clock)

    def seconds_to_wait(self, address: str, name: str, known_address: bool = False) -> int:
        """0 if this login may be tried now; otherwise whole seconds to wait. An address the
        name signed in from before (``known_address``) does not wait for the name's failures."""
        name = name.casefold()
        wait = max(
            self._pairs.seconds_blocked([_pair(address, name)]),
            self._addresses.seconds_blocked([address]),
        )
        if not known_address:
            wait = max(wait, self._name_delay(name))
        return math.ceil(wait)

    def failed(self, address: str, name: str) -> None:
        name = name.casefold()
        self._pairs.failed([_pair(address, name)])
        self._addresses.failed([address])
        self._names.failed([name])

    def succeeded(self, address: str, name: str) -> None:
        """Forget the failures of this name from this address (and of the name alone); the
        address keeps its count, as it may be guessing other names."""
        name = name.casefold()
        self._pairs.clear([_pair(address, name)])
        self._names.clear([name])

    def _name_delay(self, name: str) -> float:
        failures = self._names.recent(name)
        extra = len(failures) - NAME_FREE_FAILURES
        if extra < 0:
            return 0.0
        delay = min(2.0**extra, NAME_MAX_DELAY_SECONDS)
        return max(0.0, failures[-1] + delay - self._clock())


def _pair(address: str, name: str) -> str:
    return f"{address}\n{name}"
