"""Counts of Model API requests received, so a test can prove what did (not) reach upstream."""

import threading
from collections import Counter

from .routes import ROUTE_KEYS, UNMATCHED_KEY


class RequestCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def count(self, route: str) -> None:
        with self._lock:
            self._counts[route] += 1

    def snapshot(self) -> dict[str, int]:
        """Every route key (zero included) with its count."""
        with self._lock:
            return {key: self._counts[key] for key in (*ROUTE_KEYS, UNMATCHED_KEY)}

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
