"""Slowing down password guessing: a few failed logins per minute per address and per name.

Kept in memory: the panel runs as one process (see gunicorn_conf.py), and a restart merely
forgets recent failures.
"""
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

MAX_FAILURES = 5
WINDOW_SECONDS = 60.0
# Beyond this many tracked keys, keys whose failures have all expired are dropped.
MAX_TRACKED_KEYS = 10_000


class LoginThrottle:
    """Counts failed logins per key (e.g. ``"address:10.0.0.5"``, ``"name:alice"``) in a sliding
    window; a key with ``max_failures`` failures in the window is blocked until the oldest one
    leaves it. Thread-safe."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_seconds: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def seconds_blocked(self, keys: Iterable[str]) -> int:
        """0 if a login may be tried for all ``keys``; otherwise whole seconds to wait."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._prune(self._failures.get(key, deque()), now)
                if len(times) >= self.max_failures:
                    wait = max(wait, times[0] + self.window_seconds - now)
        return math.ceil(wait)

    def failed(self, keys: Iterable[str]) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) >= MAX_TRACKED_KEYS:
                self._forget_expired(now)
            for key in keys:
                times = self._failures.setdefault(key, deque(maxlen=self.max_failures))
                self._prune(times, now).append(now)

    def succeeded(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def _prune(self, times: deque[float], now: float) -> deque[float]:
        """``times`` without the failures that have left the window."""
        while times and times[0] <= now - self.window_seconds:
            times.popleft()
        return times

    def _forget_expired(self, now: float) -> None:
        for key in [key for key, times in self._failures.items()
                    if not times or times[-1] <= now - self.window_seconds]:
            del self._failures[key]
